//! Live delivery across instances. A trigger on `message_events` NOTIFYs `messages` with ids
//! only; each instance keeps one LISTEN connection ([`Hub::run`]) and fans the notices out to
//! its connected pages over a broadcast channel. Each page's server-sent-event stream
//! ([`events_route`]) reads the events after the last id it sent from the table, so a page
//! that reconnects with `Last-Event-ID` gets exactly what it missed, once. Event ids commit in
//! order (the writer takes one advisory lock just before its commit), so "after the last id"
//! never skips an event that committed late.

use std::{convert::Infallible, sync::Arc, time::Duration};

use axum::{
    extract::{Query, State},
    http::HeaderMap,
    response::sse::{Event, KeepAlive, Sse},
};
use futures_util::Stream;
use serde::Deserialize;
use sqlx::{PgPool, postgres::PgListener};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::conversations::{MESSAGE_SELECT, MessageRow};
use super::model::LiveEvent;
use crate::features::accounts::session::Member;
use crate::server::state::AppState;

/// The channel the trigger and typing notices use.
pub const CHANNEL: &str = "messages";
/// Notices buffered per page before it is told to catch up from the table instead.
const BUFFER: usize = 1024;
/// Events read from the table at a time.
const BATCH: i64 = 500;

/// What an instance hears.
#[derive(Clone, Debug)]
pub enum Notice {
    /// A stored event of the conversation between these two members.
    Event { id: i64, members: [Uuid; 2] },
    /// `user` is typing in `conversation`.
    Typing { conversation: Uuid, members: [Uuid; 2], user: Uuid },
    /// Notices may have been lost (the LISTEN connection was replaced): every page reads the
    /// table.
    Resync,
}

#[derive(Deserialize)]
struct Payload {
    id: Option<i64>,
    c: Uuid,
    u: [Uuid; 2],
    typing: Option<Uuid>,
}

impl Notice {
    fn parse(payload: &str) -> Option<Self> {
        let p: Payload = serde_json::from_str(payload).ok()?;
        match (p.id, p.typing) {
            (Some(id), _) => Some(Notice::Event { id, members: p.u }),
            (None, Some(user)) => Some(Notice::Typing { conversation: p.c, members: p.u, user }),
            (None, None) => None,
        }
    }
}

/// This instance's fan-out of notices to its connected pages. Cheap to clone. Its LISTEN
/// connection starts with the first page that connects.
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Notice>,
    db: PgPool,
    started: Arc<std::sync::Once>,
}

impl Hub {
    pub fn new(db: PgPool) -> Self {
        Self { tx: broadcast::channel(BUFFER).0, db, started: Arc::new(std::sync::Once::new()) }
    }

    /// A page's feed of notices (it catches up from the table when the hub says so).
    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        let rx = self.tx.subscribe();
        self.started.call_once(|| {
            tokio::spawn(self.clone().run());
        });
        rx
    }

    /// How many pages are connected to this instance.
    pub fn connected(&self) -> usize {
        self.tx.receiver_count()
    }

    /// Listens for notices until the pool closes, reconnecting after a failure (and telling
    /// pages to catch up, since notices may have been lost meanwhile).
    async fn run(self) {
        let db = self.db.clone();
        loop {
            if db.is_closed() {
                return;
            }
            let mut listener = match PgListener::connect_with(&db).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "messages: no LISTEN connection; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen(CHANNEL).await {
                tracing::warn!(error = %e, "messages: LISTEN failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            let _ = self.tx.send(Notice::Resync);
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) => {
                        if let Some(notice) = Notice::parse(n.payload()) {
                            let _ = self.tx.send(notice);
                        }
                    }
                    // The connection dropped and sqlx reconnected: notices may be lost.
                    Ok(None) => {
                        let _ = self.tx.send(Notice::Resync);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "messages: listener failed; reconnecting");
                        break;
                    }
                }
            }
        }
    }
}

/// Tells both members' pages, on every instance, that `user` is typing (nothing is stored).
pub async fn typing(db: &PgPool, conversation: Uuid, members: [Uuid; 2], user: Uuid) -> Result<(), sqlx::Error> {
    let payload = serde_json::json!({ "c": conversation, "u": members, "typing": user }).to_string();
    sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(db).await?;
    Ok(())
}

/// The events after `after` of the member's conversations, oldest first, as pages show them.
pub async fn events_after(state: &AppState, me: Uuid, after: i64) -> Result<Vec<LiveEvent>, sqlx::Error> {
    let rows: Vec<(i64, String, Uuid, Option<i64>, Uuid)> = sqlx::query_as(
        "SELECT e.id, e.kind, e.conversation_id, e.message_id, e.actor_id
           FROM message_events e JOIN conversations c ON c.id = e.conversation_id
          WHERE e.id > $2 AND $1 IN (c.buyer_id, c.seller_id)
          ORDER BY e.id LIMIT $3",
    )
    .bind(me)
    .bind(after)
    .bind(BATCH)
    .fetch_all(&state.db)
    .await?;
    let message_ids: Vec<i64> = rows
        .iter()
        .filter(|r| r.1 != "read")
        .filter_map(|r| r.3)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let messages: Vec<MessageRow> = if message_ids.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.id = ANY($1)"))
            .bind(&message_ids)
            .fetch_all(&state.db)
            .await?
    };
    let now = state.clock.now();
    let views: std::collections::HashMap<i64, super::model::MessageView> =
        messages.into_iter().map(|m| m.view(me, now)).map(|v| (v.id, v)).collect();
    Ok(rows
        .into_iter()
        .filter_map(|(id, kind, conversation, message, actor)| match kind.as_str() {
            "read" => Some(LiveEvent::Read { event: id, conversation, reader: actor, through: message.unwrap_or(0) }),
            _ => message.and_then(|m| views.get(&m)).map(|v| LiveEvent::Message { event: id, message: v.clone() }),
        })
        .collect())
}

fn sse(event: &LiveEvent) -> Event {
    let data = serde_json::to_string(event).unwrap_or_default();
    match event.id() {
        Some(id) => Event::default().id(id.to_string()).data(data),
        None => Event::default().data(data),
    }
}

#[derive(Deserialize)]
pub struct After {
    #[serde(default)]
    after: i64,
}

/// `GET /messages/events?after=N`: the member's live events after `N` (or after the
/// `Last-Event-ID` a reconnecting browser sends), then each as it happens.
pub async fn events_route(
    State(state): State<AppState>,
    member: Member,
    headers: HeaderMap,
    Query(query): Query<After>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let me = member.user().id;
    let resumed = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok());
    let after = resumed.unwrap_or(query.after).max(0);
    // Subscribed before the table is read, so nothing falls between the two.
    let rx = state.messaging.subscribe();
    Sse::new(stream(state, me, after, rx)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

fn stream(
    state: AppState,
    me: Uuid,
    after: i64,
    rx: broadcast::Receiver<Notice>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::unfold(
        (state, rx, after, std::collections::VecDeque::<LiveEvent>::new(), true),
        move |(state, mut rx, mut last, mut queue, mut catch_up)| async move {
            loop {
                if let Some(event) = queue.pop_front() {
                    if let Some(id) = event.id() {
                        last = last.max(id);
                    }
                    let out = sse(&event);
                    return Some((Ok(out), (state, rx, last, queue, catch_up)));
                }
                if catch_up {
                    match events_after(&state, me, last).await {
                        Ok(events) => {
                            // A full batch: read on after these.
                            catch_up = events.len() as i64 == BATCH;
                            queue.extend(events);
                            continue;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "messages: events not read; the page reconnects");
                            return None;
                        }
                    }
                }
                match rx.recv().await {
                    Ok(Notice::Event { id, members }) if members.contains(&me) && id > last => catch_up = true,
                    Ok(Notice::Typing { conversation, members, user }) if members.contains(&me) && user != me => {
                        queue.push_back(LiveEvent::Typing { conversation, user });
                    }
                    Ok(Notice::Resync) | Err(broadcast::error::RecvError::Lagged(_)) => catch_up = true,
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        },
    )
}
