//! A local OpenID Connect provider standing in for Google: discovery document, JWKS and a
//! token endpoint that checks the client, the code and the PKCE verifier, and answers with an
//! ID token signed RS256 carrying the claims the test chose.
//!
//! It signs with `tests/fixtures/oidc_test_key.pem`, a key made for these tests only (not a
//! secret; see `tests/fixtures/README.md`).

use axum::{
    Form, Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono::{DateTime, Duration, Utc};
use openidconnect::{
    Audience, EmptyAdditionalClaims, EndUserEmail, EndUserName, IssuerUrl, JsonWebKeyId, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, PrivateSigningKey, StandardClaims, SubjectIdentifier,
    core::{CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey},
};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

pub const CLIENT_ID: &str = "threadr-test.apps.example";
pub const CLIENT_SECRET: &str = "fake-google-client-secret";
const KEY_PEM: &str = include_str!("../fixtures/oidc_test_key.pem");

/// The claims of one ID token; the test changes what it needs.
#[derive(Clone, Debug)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub email: String,
    pub email_verified: bool,
    pub name: Option<String>,
    pub nonce: String,
    pub iat: DateTime<Utc>,
    pub exp: DateTime<Utc>,
}

struct Grant {
    challenge: String,
    claims: Claims,
}

#[derive(Default)]
struct Inner {
    grants: HashMap<String, Grant>,
    token_requests: usize,
}

#[derive(Clone)]
pub struct FakeOidc {
    pub issuer: String,
    inner: Arc<Mutex<Inner>>,
    key: Arc<CoreRsaPrivateSigningKey>,
}

impl FakeOidc {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let key = CoreRsaPrivateSigningKey::from_pem(KEY_PEM, Some(JsonWebKeyId::new("test-key".into())))
            .expect("test key parses");
        let provider = Self {
            issuer: format!("http://{}", listener.local_addr().unwrap()),
            inner: Arc::default(),
            key: Arc::new(key),
        };
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .with_state(provider.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        provider
    }

    /// Claims for a verified Google account that signed in for `nonce`, valid for an hour.
    pub fn claims(&self, nonce: &str, sub: &str, email: &str) -> Claims {
        let now = Utc::now();
        Claims {
            iss: self.issuer.clone(),
            aud: CLIENT_ID.into(),
            sub: sub.into(),
            email: email.into(),
            email_verified: true,
            name: Some("Ada Lovelace".into()),
            nonce: nonce.into(),
            iat: now,
            exp: now + Duration::hours(1),
        }
    }

    /// What the provider would do after the person consented: `code` is redeemable once, with
    /// the verifier of `challenge`, for an ID token with `claims`.
    pub fn grant(&self, code: &str, challenge: &str, claims: Claims) {
        self.inner.lock().unwrap().grants.insert(code.into(), Grant { challenge: challenge.into(), claims });
    }

    /// Token requests that reached the provider (accepted or not).
    pub fn token_requests(&self) -> usize {
        self.inner.lock().unwrap().token_requests
    }

    fn sign(&self, claims: &Claims) -> String {
        let standard = StandardClaims::new(SubjectIdentifier::new(claims.sub.clone()))
            .set_email(Some(EndUserEmail::new(claims.email.clone())))
            .set_email_verified(Some(claims.email_verified))
            .set_name(claims.name.clone().map(|n| EndUserName::new(n).into()));
        let id_claims = CoreIdTokenClaims::new(
            IssuerUrl::new(claims.iss.clone()).unwrap(),
            vec![Audience::new(claims.aud.clone())],
            claims.exp,
            claims.iat,
            standard,
            EmptyAdditionalClaims {},
        )
        .set_nonce(Some(Nonce::new(claims.nonce.clone())));
        let token =
            CoreIdToken::new(id_claims, &*self.key, CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, None, None).unwrap();
        token.to_string()
    }
}

async fn discovery(State(p): State<FakeOidc>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "issuer": p.issuer,
        "authorization_endpoint": format!("{}/authorize", p.issuer),
        "token_endpoint": format!("{}/token", p.issuer),
        "jwks_uri": format!("{}/jwks", p.issuer),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks(State(p): State<FakeOidc>) -> Json<CoreJsonWebKeySet> {
    Json(CoreJsonWebKeySet::new(vec![p.key.as_verification_key()]))
}

fn oauth_error(error: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": error }))).into_response()
}

async fn token(State(p): State<FakeOidc>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let grant = {
        let mut inner = p.inner.lock().unwrap();
        inner.token_requests += 1;
        // A code works once, used or refused.
        inner.grants.remove(field("code"))
    };
    let basic = format!("Basic {}", base64(format!("{CLIENT_ID}:{CLIENT_SECRET}").as_bytes()));
    let client_ok = headers.get("authorization").is_some_and(|v| v.as_bytes() == basic.as_bytes())
        || (field("client_id") == CLIENT_ID && field("client_secret") == CLIENT_SECRET);
    if !client_ok {
        return (StatusCode::UNAUTHORIZED, Json(serde_json::json!({ "error": "invalid_client" }))).into_response();
    }
    if field("grant_type") != "authorization_code" {
        return oauth_error("unsupported_grant_type");
    }
    let Some(grant) = grant else { return oauth_error("invalid_grant") };
    let verifier = PkceCodeVerifier::new(field("code_verifier").to_string());
    if PkceCodeChallenge::from_code_verifier_sha256(&verifier).as_str() != grant.challenge {
        return oauth_error("invalid_grant");
    }
    Json(serde_json::json!({
        "access_token": "fake-access-token",
        "token_type": "Bearer",
        "expires_in": 3600,
        "id_token": p.sign(&grant.claims),
    }))
    .into_response()
}

/// Standard base64 with padding (for the expected HTTP Basic credentials).
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_matches_the_rfc_examples() {
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
}
