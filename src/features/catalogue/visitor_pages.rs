//! Whole product pages for visitors, kept as rendered HTML for [`FRESH_FOR`]: the busiest page
//! of the app then costs a copy instead of a render (about 2.5 ms of CPU each).
//!
//! Only what every visitor would get alike is kept: a GET of `/products/{slug}` with no query,
//! from someone with no session cookie (a signed-in member or a visitor with a cart renders
//! live), answered 200 as HTML without setting a cookie. The page carries the CSP nonce of the
//! request that rendered it; each later response gets its own nonce put in its place. A view
//! served from memory still counts for "popular". A change made through this instance forgets
//! the page at once ([`super::PageCache::forget`]); one made elsewhere shows within
//! [`FRESH_FOR`], as for the data the page is made of. Stock shown may be that old too; the cart
//! and checkout always check it live.
//!
//! [`FRESH_FOR`]: super::FRESH_FOR

use std::sync::Arc;

use axum::{
    body::Body,
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, Method, StatusCode, header};
use uuid::Uuid;

use crate::server::http::{SESSION_COOKIE, security::CspNonce};
use crate::server::state::AppState;

/// A product page is about 15 KB; anything far larger is not kept.
const MAX_KEPT_BYTES: usize = 1024 * 1024;

/// A rendered page, cut where the rendering request's nonce appeared.
pub struct KeptPage {
    pub product: Uuid,
    headers: HeaderMap,
    pieces: Vec<Bytes>,
}

impl KeptPage {
    /// Cuts `body` at every occurrence of `nonce` (Leptos writes it on each of its scripts).
    fn new(product: Uuid, mut headers: HeaderMap, body: &Bytes, nonce: &str) -> Self {
        // The length may differ once another nonce is in; hyper counts it again.
        headers.remove(header::CONTENT_LENGTH);
        let mut pieces = Vec::new();
        let mut start = 0;
        for at in memchr::memmem::find_iter(body, nonce.as_bytes()) {
            pieces.push(body.slice(start..at));
            start = at + nonce.len();
        }
        pieces.push(body.slice(start..));
        Self { product, headers, pieces }
    }

    /// The page as this request gets it: with this request's nonce.
    fn response(&self, nonce: &str) -> Response {
        let gaps = self.pieces.len().saturating_sub(1);
        let len = self.pieces.iter().map(Bytes::len).sum::<usize>() + gaps * nonce.len();
        let mut body = BytesMut::with_capacity(len);
        for (i, piece) in self.pieces.iter().enumerate() {
            if i > 0 {
                body.extend_from_slice(nonce.as_bytes());
            }
            body.extend_from_slice(piece);
        }
        let mut res = Response::new(Body::from(body.freeze()));
        *res.headers_mut() = self.headers.clone();
        res
    }
}

/// The slug of a request whose page may be kept or served from memory.
fn keepable(req: &Request) -> Option<&str> {
    if req.method() != Method::GET || req.uri().query().is_some() {
        return None;
    }
    let slug = req.uri().path().strip_prefix("/products/")?;
    if slug.is_empty() || slug.contains('/') {
        return None;
    }
    let has_session = req.headers().get_all(header::COOKIE).iter().any(|value| {
        value.to_str().map_or(true, |cookies| {
            cookies.split(';').any(|c| c.trim_start().strip_prefix(SESSION_COOKIE).is_some_and(|r| r.starts_with('=')))
        })
    });
    (!has_session).then_some(slug)
}

/// The middleware (inside the sessions layer and the maintenance gate, so both still apply).
pub async fn serve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(slug) = keepable(&req).map(str::to_owned) else {
        return next.run(req).await;
    };
    let Some(CspNonce(nonce)) = req.extensions().get::<CspNonce>().cloned() else {
        return next.run(req).await;
    };
    if let Some(page) = state.pages.kept_page(&slug).await {
        super::views::record(page.product);
        return page.response(&nonce);
    }
    let res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if res.status() != StatusCode::OK || !html || res.headers().contains_key(header::SET_COOKIE) {
        return res;
    }
    // The listing the render just read for a visitor names the product (for forgetting).
    let Some(product) = state.pages.cached_product_id(&slug).await else {
        return res;
    };
    let (parts, body) = res.into_parts();
    let body = match axum::body::to_bytes(body, MAX_KEPT_BYTES).await {
        Ok(body) => body,
        Err(e) => {
            tracing::warn!(error = %e, slug, "product page not kept: its body could not be read");
            return Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .body(Body::from("The page could not be sent. Please reload."))
                .unwrap_or_default();
        }
    };
    let page = Arc::new(KeptPage::new(product, parts.headers.clone(), &body, &nonce));
    state.pages.keep_page(slug, page).await;
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn text(res: Response) -> String {
        String::from_utf8(axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn each_response_carries_its_own_nonce_everywhere_the_first_had_one() {
        let body = Bytes::from_static(b"<script nonce=\"AAA\">1</script><p>AA A</p><script nonce=\"AAA\">2</script>");
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, "text/html; charset=utf-8".parse().unwrap());
        headers.insert(header::CONTENT_LENGTH, "80".parse().unwrap());
        let page = KeptPage::new(Uuid::nil(), headers, &body, "AAA");
        let res = page.response("b1b2b3b4");
        assert!(res.headers().get(header::CONTENT_LENGTH).is_none());
        assert_eq!(res.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(
            text(res).await,
            "<script nonce=\"b1b2b3b4\">1</script><p>AA A</p><script nonce=\"b1b2b3b4\">2</script>"
        );
        assert_eq!(text(page.response("AAA")).await, String::from_utf8(body.to_vec()).unwrap());
    }

    fn request(uri: &str, cookie: Option<&str>) -> Request {
        let mut b = Request::builder().uri(uri);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn only_visitors_plain_product_pages_are_kept() {
        assert_eq!(keepable(&request("/products/oak-desk", None)), Some("oak-desk"));
        assert_eq!(keepable(&request("/products/oak-desk", Some("theme=dark; other=1"))), Some("oak-desk"));
        assert_eq!(keepable(&request("/products/oak-desk", Some("theme=dark; threadr_session=abc"))), None);
        assert_eq!(keepable(&request("/products/oak-desk", Some("threadr_session=abc"))), None);
        assert_eq!(keepable(&request("/products/oak-desk?ref=ann", None)), None);
        assert_eq!(keepable(&request("/products/", None)), None);
        assert_eq!(keepable(&request("/products/a/b", None)), None);
        assert_eq!(keepable(&request("/c/books", None)), None);
        let mut post = request("/products/oak-desk", None);
        *post.method_mut() = Method::POST;
        assert_eq!(keepable(&post), None);
    }
}
