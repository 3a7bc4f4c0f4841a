//! The image store against a real S3-compatible server (moto, see `fake_s3`): the same
//! checks as on a local directory, each in a bucket of its own.

use threadr::features::catalogue::images::{MediaConfig, MediaStore};

use crate::catalogue_images::{gps_photo_loses_its_metadata, media_route_serves_variants, refusals_store_nothing};
use crate::fake_s3::fake_s3;

async fn bucket() -> MediaStore {
    let settings = fake_s3().await.new_bucket().await;
    // Through the configuration, as the app builds it.
    let config = MediaConfig { dir: "unused".into(), s3: Some(settings) };
    MediaStore::from_config(&config).unwrap()
}

#[tokio::test]
async fn refusals_store_nothing_in_s3() {
    refusals_store_nothing(&bucket().await).await;
}

#[tokio::test]
async fn a_gps_photo_is_stored_upright_without_metadata_in_s3() {
    gps_photo_loses_its_metadata(&bucket().await).await;
}

#[tokio::test]
async fn the_media_route_serves_s3_variants() {
    media_route_serves_variants(&bucket().await).await;
}

#[tokio::test]
async fn buckets_are_separate() {
    let (a, b) = (bucket().await, bucket().await);
    let uploads = tempfile::tempdir().unwrap();
    crate::catalogue_images::upload(&a, uploads.path(), &crate::image_fixtures::jpeg(320, 240)).await.unwrap();
    assert_eq!(a.keys().await.unwrap().len(), 3);
    assert!(b.keys().await.unwrap().is_empty());
}
