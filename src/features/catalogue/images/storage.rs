//! Where the variants live: a local directory by default, an S3-compatible bucket when
//! `S3_BUCKET` is set, both through `object_store`. Keys are only ever built from a
//! [`MediaKey`] (a uuid, a variant and a format), so no request path reaches the store.

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt, stream::BoxStream};
use object_store::{
    BackoffConfig, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig, aws::AmazonS3Builder, local::LocalFileSystem,
    path::Path as ObjectPath,
};
use std::{fmt, path::PathBuf, sync::Arc, time::Duration};
use uuid::Uuid;

use super::process::{Format, Processed, VariantKind};

/// Every image's variants are under this prefix.
const PRODUCTS: &str = "products";

/// One stored variant: `products/{id}/{thumb|card|full}.{jpg|png}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MediaKey {
    pub id: Uuid,
    pub kind: VariantKind,
    pub format: Format,
}

impl MediaKey {
    pub fn new(id: Uuid, kind: VariantKind, format: Format) -> Self {
        Self { id, kind, format }
    }

    /// `products/<uuid>/<variant>.<ext>` exactly as [`fmt::Display`] writes it; anything else
    /// (another prefix, an upper-case or braced uuid, `..`, a second extension) is `None`.
    pub fn parse(key: &str) -> Option<Self> {
        let rest = key.strip_prefix(PRODUCTS)?.strip_prefix('/')?;
        let (id, file) = rest.split_once('/')?;
        Self::from_parts(id, file)
    }

    /// The two path segments of `/media/products/{id}/{file}`.
    pub fn from_parts(id: &str, file: &str) -> Option<Self> {
        let parsed = Uuid::try_parse(id).ok()?;
        // One spelling per object: the canonical lower-case hyphenated form only.
        if parsed.hyphenated().to_string() != id {
            return None;
        }
        let (kind, extension) = file.split_once('.')?;
        let kind = VariantKind::parse(kind)?;
        let format = [Format::Jpeg, Format::Png].into_iter().find(|f| f.extension() == extension)?;
        Some(Self { id: parsed, kind, format })
    }

    /// The public URL path the catalogue pages link to.
    pub fn url(&self) -> String {
        format!("/media/{self}")
    }

    fn path(&self) -> ObjectPath {
        ObjectPath::from_iter([
            PRODUCTS,
            &self.id.to_string(),
            &format!("{}.{}", self.kind.as_str(), self.format.extension()),
        ])
    }
}

impl fmt::Display for MediaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PRODUCTS}/{}/{}.{}", self.id, self.kind.as_str(), self.format.extension())
    }
}

/// An S3-compatible bucket (`S3_*` variables).
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    /// `None`: AWS itself. `http://` endpoints (a local MinIO or moto) are allowed.
    pub endpoint: Option<String>,
    pub region: String,
    /// `None`: object_store's own chain (instance or task credentials).
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

impl fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |v: &Option<String>| if v.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &set(&self.access_key_id))
            .field("secret_access_key", &set(&self.secret_access_key))
            .finish()
    }
}

/// Where images are stored: `dir` unless `s3` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaConfig {
    pub dir: PathBuf,
    pub s3: Option<S3Settings>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaConfigError {
    #[error("{0} is set but S3_BUCKET is not: set S3_BUCKET to store images in S3, or unset the S3_* variables")]
    NoBucket(&'static str),
    #[error("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together")]
    HalfAKey,
}

impl MediaConfig {
    pub const DEFAULT_DIR: &'static str = ".data/media";
    pub const DEFAULT_REGION: &'static str = "us-east-1";

    /// From `MEDIA_DIR` (default `.data/media`) and `S3_BUCKET`, `S3_ENDPOINT`, `S3_REGION`
    /// (default `us-east-1`), `S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY`. Empty counts as unset.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, MediaConfigError> {
        let set = |name: &str| var(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let dir = PathBuf::from(set("MEDIA_DIR").unwrap_or_else(|| Self::DEFAULT_DIR.to_string()));
        let (access_key_id, secret_access_key) = (set("S3_ACCESS_KEY_ID"), set("S3_SECRET_ACCESS_KEY"));
        if access_key_id.is_some() != secret_access_key.is_some() {
            return Err(MediaConfigError::HalfAKey);
        }
        let Some(bucket) = set("S3_BUCKET") else {
            let stray = ["S3_ENDPOINT", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"]
                .into_iter()
                .find(|name| set(name).is_some());
            return match stray {
                Some(name) => Err(MediaConfigError::NoBucket(name)),
                None => Ok(Self { dir, s3: None }),
            };
        };
        let s3 = S3Settings {
            bucket,
            endpoint: set("S3_ENDPOINT"),
            region: set("S3_REGION").unwrap_or_else(|| Self::DEFAULT_REGION.to_string()),
            access_key_id,
            secret_access_key,
        };
        Ok(Self { dir, s3: Some(s3) })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("creating the media directory {dir}: {source}")]
    Dir { dir: PathBuf, source: std::io::Error },
    #[error("media storage: {0}")]
    Backend(#[from] object_store::Error),
}

/// A few quick retries: object_store's default (10 over up to 3 minutes) would hold a page's
/// image request, and the seller's upload, far longer than anyone waits.
fn retries() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
        },
        max_retries: 3,
        retry_timeout: Duration::from_secs(15),
    }
}

/// A stored variant being read: its length and its bytes as a stream.
pub struct MediaObject {
    pub len: u64,
    pub stream: BoxStream<'static, Result<Bytes, StoreError>>,
}

impl MediaObject {
    /// The whole object in memory (tests, small reads).
    pub async fn bytes(self) -> Result<Vec<u8>, StoreError> {
        let mut out = Vec::with_capacity(usize::try_from(self.len).unwrap_or(0));
        let mut stream = self.stream;
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }
}

/// The image store. Cheap to clone.
#[derive(Clone)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
}

impl fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // object_store's Display names the backend and bucket or directory, never a key.
        write!(f, "MediaStore({})", self.inner)
    }
}

impl MediaStore {
    pub fn from_config(config: &MediaConfig) -> Result<Self, StoreError> {
        match &config.s3 {
            Some(s3) => Self::s3(s3),
            None => Self::local(&config.dir),
        }
    }

    /// Files under `dir` (created if missing). Writes go to a temporary file renamed into
    /// place, so a reader never sees half a variant.
    pub fn local(dir: &std::path::Path) -> Result<Self, StoreError> {
        let dir_error = |source| StoreError::Dir { dir: dir.to_path_buf(), source };
        std::fs::create_dir_all(dir).map_err(dir_error)?;
        let dir = std::fs::canonicalize(dir).map_err(dir_error)?;
        // Removes a deleted image's empty folder too.
        let store = LocalFileSystem::new_with_prefix(&dir)?.with_automatic_cleanup(true);
        Ok(Self { inner: Arc::new(store) })
    }

    /// Kept in memory only: the last resort when no folder can be written (logged loudly).
    pub fn in_memory() -> Self {
        Self { inner: Arc::new(object_store::memory::InMemory::new()) }
    }

    /// An S3-compatible bucket. Path-style requests (`endpoint/bucket/key`), so a local
    /// endpoint needs no wildcard DNS; plain HTTP only when the endpoint says `http://`.
    pub fn s3(settings: &S3Settings) -> Result<Self, StoreError> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_virtual_hosted_style_request(false)
            .with_retry(retries());
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        if let (Some(id), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key) {
            builder = builder.with_access_key_id(id).with_secret_access_key(secret);
        }
        Ok(Self { inner: Arc::new(builder.build()?) })
    }

    /// Stores the three variants of image `id`; returns their total size. On a failure the
    /// variants already written are removed again (best effort) before the error is returned.
    pub async fn put_image(&self, id: Uuid, processed: &Processed) -> Result<u64, StoreError> {
        for (done, variant) in processed.variants.iter().enumerate() {
            let key = MediaKey::new(id, variant.kind, processed.format);
            let payload = PutPayload::from(Bytes::from(variant.bytes.clone()));
            if let Err(e) = self.inner.put(&key.path(), payload).await {
                for earlier in &processed.variants[..done] {
                    let _ = self.delete(MediaKey::new(id, earlier.kind, processed.format)).await;
                }
                return Err(e.into());
            }
        }
        Ok(processed.total_bytes())
    }

    /// The variant, or `None` when there is no such object.
    pub async fn get(&self, key: &MediaKey) -> Result<Option<MediaObject>, StoreError> {
        let found = match self.inner.get(&key.path()).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let len = found.meta.size;
        let stream = found.into_stream().map_err(StoreError::from).boxed();
        Ok(Some(MediaObject { len, stream }))
    }

    /// Removes the three variants of image `id`; variants already gone are not an error (the
    /// orphan sweep may run twice).
    pub async fn delete_image(&self, id: Uuid, format: Format) -> Result<(), StoreError> {
        for kind in VariantKind::ALL {
            self.delete(MediaKey::new(id, kind, format)).await?;
        }
        Ok(())
    }

    async fn delete(&self, key: MediaKey) -> Result<(), StoreError> {
        match self.inner.delete(&key.path()).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Every stored key under `products/`, sorted (tests, and a sweep for strays).
    pub async fn keys(&self) -> Result<Vec<String>, StoreError> {
        let prefix = ObjectPath::from(PRODUCTS);
        let mut keys: Vec<String> =
            self.inner.list(Some(&prefix)).map_ok(|meta| meta.location.to_string()).try_collect().await?;
        keys.sort();
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_keys_parse() {
        let id = "0b6f1c3e-2f5d-4c1a-9f3e-7d2a1b4c5e6f";
        let key = MediaKey::parse(&format!("products/{id}/card.jpg")).unwrap();
        assert_eq!((key.kind, key.format), (VariantKind::Card, Format::Jpeg));
        assert_eq!(key.to_string(), format!("products/{id}/card.jpg"));
        assert_eq!(key.url(), format!("/media/products/{id}/card.jpg"));
        for bad in [
            format!("products/{id}/card.jpeg"),
            format!("products/{id}/card.jpg.html"),
            format!("products/{id}/../card.jpg"),
            format!("products/{}/card.jpg", id.to_uppercase()),
            format!("products/{}/card.jpg", id.replace('-', "")),
            format!("products/{{{id}}}/card.jpg"),
            format!("other/{id}/card.jpg"),
            format!("products/{id}/banner.png"),
            format!("products/{id}/card.png/x"),
            format!("/products/{id}/card.png"),
            "products/../../etc/passwd".to_string(),
        ] {
            assert_eq!(MediaKey::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn config_from_variables() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
        };
        let local = MediaConfig::from_vars(vars(&[])).unwrap();
        assert_eq!(local, MediaConfig { dir: PathBuf::from(".data/media"), s3: None });
        let s3 = MediaConfig::from_vars(vars(&[
            ("S3_BUCKET", "shop"),
            ("S3_ENDPOINT", "http://127.0.0.1:9000"),
            ("S3_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("S3_SECRET_ACCESS_KEY", "very-secret"),
        ]))
        .unwrap();
        let settings = s3.s3.unwrap();
        assert_eq!(settings.region, "us-east-1");
        let shown = format!("{settings:?}");
        assert!(!shown.contains("very-secret") && !shown.contains("AKIDEXAMPLE"), "{shown}");
        assert_eq!(
            MediaConfig::from_vars(vars(&[("S3_BUCKET", "shop"), ("S3_ACCESS_KEY_ID", "a")])),
            Err(MediaConfigError::HalfAKey)
        );
        assert_eq!(
            MediaConfig::from_vars(vars(&[("S3_ENDPOINT", "http://x")])),
            Err(MediaConfigError::NoBucket("S3_ENDPOINT"))
        );
    }
}
