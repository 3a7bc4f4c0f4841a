//! The OpenID Connect side of Google sign-in (openidconnect): discovery (cached), the
//! authorization URL with PKCE, `state` and `nonce`, and the code exchange with the ID token
//! checks (signature against the provider's JWKS, `iss`, `aud`, `exp`, `nonce`).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse,
    core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata},
};
use serde::{Deserialize, Serialize};

use super::Refusal;
use crate::server::{clock::Clock, config::GoogleConfig};

/// Provider metadata and keys are fetched again after this long (keys rotate).
const DISCOVERY_TTL: Duration = Duration::from_secs(60 * 60);
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

type OidcClient =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// A sign-in that was sent to the provider and has not come back yet; kept in the session.
#[derive(Serialize, Deserialize)]
pub struct PendingLogin {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Unix seconds.
    pub started_at: i64,
}

/// Who the provider says signed in: the stable subject and a verified email.
pub struct Identity {
    pub subject: String,
    pub email: String,
    pub name: Option<String>,
}

pub struct Google {
    config: GoogleConfig,
    http: reqwest::Client,
    discovered: tokio::sync::Mutex<Option<(Instant, Arc<OidcClient>)>>,
}

impl Google {
    pub fn new(config: GoogleConfig) -> Result<Self, reqwest::Error> {
        // openidconnect requires an HTTP client that does not follow redirects (SSRF).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        Ok(Self { config, http, discovered: tokio::sync::Mutex::new(None) })
    }

    /// The provider's client, discovered at most once per [`DISCOVERY_TTL`].
    async fn client(&self) -> Result<Arc<OidcClient>, String> {
        let mut discovered = self.discovered.lock().await;
        if let Some((at, client)) = discovered.as_ref()
            && at.elapsed() < DISCOVERY_TTL
        {
            return Ok(client.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer_url.clone()).map_err(|e| format!("issuer URL: {e}"))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| format!("discovery failed: {}", chain(&e)))?;
        let redirect = RedirectUrl::new(self.config.redirect_url.clone()).map_err(|e| format!("redirect URL: {e}"))?;
        let client = Arc::new(
            CoreClient::from_provider_metadata(
                metadata,
                ClientId::new(self.config.client_id.clone()),
                Some(ClientSecret::new(self.config.client_secret.clone())),
            )
            .set_redirect_uri(redirect),
        );
        *discovered = Some((Instant::now(), client.clone()));
        Ok(client)
    }

    /// Where to send the browser, and what to remember until it comes back.
    pub async fn authorize(&self, now: DateTime<Utc>) -> Result<(String, PendingLogin), String> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("email".to_string()))
            .add_scope(Scope::new("profile".to_string()))
            .set_pkce_challenge(challenge)
            .url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            started_at: now.timestamp(),
        };
        Ok((url.to_string(), pending))
    }

    /// Exchanges the code (with the PKCE verifier) and checks the ID token.
    pub async fn identify(
        &self,
        code: String,
        pending: PendingLogin,
        clock: Arc<dyn Clock>,
    ) -> Result<Identity, Refusal> {
        let client = self.client().await.map_err(|e| Refusal::failed("provider_unavailable", e))?;
        let response = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| Refusal::failed("provider_unavailable", e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                // Never the response body: it may hold tokens.
                let detail = match &e {
                    RequestTokenError::ServerResponse(r) => format!("provider refused the code: {}", r.error()),
                    RequestTokenError::Request(e) => format!("token request failed: {}", chain(e)),
                    RequestTokenError::Parse(..) => "unreadable token response".to_string(),
                    RequestTokenError::Other(s) => s.clone(),
                };
                Refusal::failed("token_exchange", detail)
            })?;
        let id_token = response.id_token().ok_or_else(|| Refusal::failed("no_id_token", "no ID token"))?;
        let verifier = client.id_token_verifier().set_time_fn(move || clock.now());
        let claims = id_token.claims(&verifier, &Nonce::new(pending.nonce)).map_err(|e| {
            use openidconnect::ClaimsVerificationError as E;
            let reason = match e {
                E::Expired(_) => "id_token_expired",
                E::InvalidNonce(_) => "nonce_mismatch",
                E::InvalidAudience(_) => "wrong_audience",
                E::InvalidIssuer(_) => "wrong_issuer",
                E::SignatureVerification(_) => "bad_signature",
                _ => "id_token_invalid",
            };
            Refusal::failed(reason, e.to_string())
        })?;
        let email = claims.email().map(|e| e.as_str().to_string());
        let Some(email) = email.filter(|_| claims.email_verified() == Some(true)) else {
            return Err(Refusal::email_unverified(claims.email().map(|e| e.as_str().to_string())));
        };
        Ok(Identity {
            subject: claims.subject().as_str().to_string(),
            email,
            name: claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string()),
        })
    }
}

/// An error and its sources on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}
