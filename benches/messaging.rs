//! Messaging benchmark (not a test; `scripts/bench` runs it in release mode against two
//! release servers it started on one database, and prints figures). 500 signed-in members
//! (250 buyer–seller pairs) each keep a live stream open, buyers on one instance and sellers
//! on the other; every member sends a message every 2 seconds (the 30-a-minute limit) to the
//! other, for DURATION seconds. Reported: send-to-receive latency across the two instances
//! (from the start of the sender's request to the event arriving on the other side), messages
//! delivered per second, and each server's memory per connected client (VmRSS before and after
//! the streams connect).
//! Needs DATABASE_URL, MESSAGING_A / MESSAGING_B (the servers' base URLs) and MESSAGING_A_PID /
//! MESSAGING_B_PID.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use uuid::Uuid;

const PAIRS: usize = 250;
const EVERY: Duration = Duration::from_secs(2);
const PASSWORD: &str = "bench password for messaging";

mod support;

use support::{ms, percentile, session_cookie};

fn rss_kb(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let (Ok(url), Ok(a), Ok(b)) =
        (std::env::var("DATABASE_URL"), std::env::var("MESSAGING_A"), std::env::var("MESSAGING_B"))
    else {
        println!("DATABASE_URL, MESSAGING_A or MESSAGING_B unset: skipping the messaging benchmark");
        return;
    };
    let pids =
        (std::env::var("MESSAGING_A_PID").unwrap_or_default(), std::env::var("MESSAGING_B_PID").unwrap_or_default());
    let seconds: u64 = std::env::var("DURATION").ok().and_then(|d| d.trim_end_matches('s').parse().ok()).unwrap_or(10);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async move {
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect(&url).await.expect("database");
        let hash = threadr::features::accounts::password::hash(PASSWORD.to_string()).await.expect("hash");
        // Members and their conversations, made directly.
        let mut members = Vec::with_capacity(PAIRS * 2);
        for n in 0..PAIRS * 2 {
            let id: Uuid = sqlx::query_scalar(
                "INSERT INTO users (email, display_name, password_hash, email_verified_at, referral_code)
                 VALUES ($1, $2, $3, now(), $4)
                 ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash RETURNING id",
            )
            .bind(format!("bench-talker-{n}@threadr.test"))
            .bind(format!("Talker {n}"))
            .bind(&hash)
            .bind(format!("BENCHTALK{n}"))
            .fetch_one(&pool)
            .await
            .expect("member");
            members.push(id);
        }
        sqlx::query("DELETE FROM conversations WHERE subject = 'Bench conversation'").execute(&pool).await.expect("reset");
        let mut conversations = Vec::with_capacity(PAIRS);
        for p in 0..PAIRS {
            let id = Uuid::new_v4();
            sqlx::query(
                "INSERT INTO conversations (id, buyer_id, seller_id, subject, created_at) VALUES ($1, $2, $3, 'Bench conversation', now())",
            )
            .bind(id)
            .bind(members[2 * p])
            .bind(members[2 * p + 1])
            .execute(&pool)
            .await
            .expect("conversation");
            conversations.push(id);
        }

        let client = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(1024).build().expect("client");
        let mut cookies = Vec::with_capacity(members.len());
        for n in 0..members.len() {
            let base = if n % 2 == 0 { &a } else { &b };
            let res = client
                .post(format!("{base}/api/accounts/sign-in"))
                .header("accept", "application/json")
                .form(&[("email", format!("bench-talker-{n}@threadr.test")), ("password", PASSWORD.to_string())])
                .send()
                .await
                .expect("sign in");
            assert_eq!(res.status(), 200, "signed in");
            cookies.push(session_cookie(&res));
        }

        let before = (rss_kb(&pids.0), rss_kb(&pids.1));
        // Every member's live stream: buyers (even) on A, sellers (odd) on B.
        let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
        let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
        let streams_client = reqwest::Client::builder().no_proxy().build().expect("client");
        for (n, cookie) in cookies.iter().enumerate() {
            let base = if n % 2 == 0 { &a } else { &b };
            let res = streams_client
                .get(format!("{base}/messages/events?after=0"))
                .header("cookie", cookie)
                .send()
                .await
                .expect("stream");
            assert_eq!(res.status(), 200);
            let (sent_at, latencies) = (sent_at.clone(), latencies.clone());
            tokio::spawn(async move {
                let mut body = res.bytes_stream();
                let mut buffer = String::new();
                while let Some(Ok(chunk)) = body.next().await {
                    let at = Instant::now();
                    buffer.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = buffer.find("\n\n") {
                        let block: String = buffer.drain(..end + 2).collect();
                        // The tag of a message someone else sent: "[bench:<sender>:<seq>]".
                        if let Some(start) = block.find("[bench:") {
                            let mut tag: String = block[start..].chars().take_while(|c| *c != ']').collect();
                            tag.push(']');
                            if !tag.starts_with(&format!("[bench:{n}:"))
                                && let Some(t) = sent_at.lock().unwrap().get(&tag)
                            {
                                latencies.lock().unwrap().push(at - *t);
                            }
                        }
                    }
                }
            });
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        let connected = (rss_kb(&pids.0), rss_kb(&pids.1));

        // Every member writes every 2 s, spread over the interval.
        let started = Instant::now();
        let until = started + Duration::from_secs(seconds);
        let mut senders = Vec::new();
        for (n, cookie) in cookies.iter().enumerate() {
            let base = if n % 2 == 0 { a.clone() } else { b.clone() };
            let (client, cookie, sent_at) = (client.clone(), cookie.clone(), sent_at.clone());
            let conversation = conversations[n / 2];
            let offset = EVERY.mul_f64(n as f64 / members.len() as f64);
            senders.push(tokio::spawn(async move {
                tokio::time::sleep(offset).await;
                let mut tick = tokio::time::interval(EVERY);
                let mut seq = 0;
                let mut refused = 0;
                while Instant::now() < until {
                    tick.tick().await;
                    seq += 1;
                    let tag = format!("[bench:{n}:{seq}]");
                    sent_at.lock().unwrap().insert(tag.clone(), Instant::now());
                    let res = client
                        .post(format!("{base}/api/messages/send"))
                        .header("cookie", &cookie)
                        .header("accept", "application/json")
                        .form(&[("conversation", conversation.to_string()), ("text", format!("Hello {tag}"))])
                        .send()
                        .await
                        .expect("send");
                    if res.status() != 200 {
                        refused += 1;
                    }
                }
                (seq, refused)
            }));
        }
        let (mut sent, mut refused) = (0, 0);
        for s in senders {
            let (n, r) = s.await.expect("sender");
            sent += n;
            refused += r;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let wall = started.elapsed();
        let mut all = latencies.lock().unwrap().clone();
        all.sort();
        let per_client = |before: u64, after: u64| (after.saturating_sub(before)) as f64 / PAIRS as f64;
        println!(
            "live messages across 2 instances, {} connected clients, each sending every {} s for {seconds} s: {sent} sent ({refused} refused), {} delivered ({:.0}/s); send-to-receive p50 {:.1} ms, p99 {:.1} ms; memory per connected client {:.1} KB (A) / {:.1} KB (B); RSS A {} → {} MB, B {} → {} MB",
            members.len(),
            EVERY.as_secs(),
            all.len(),
            all.len() as f64 / wall.as_secs_f64(),
            ms(percentile(&all, 0.5)),
            ms(percentile(&all, 0.99)),
            per_client(before.0, connected.0),
            per_client(before.1, connected.1),
            before.0 / 1024,
            connected.0 / 1024,
            before.1 / 1024,
            connected.1 / 1024,
        );
    });
}
