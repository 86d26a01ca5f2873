//! `/metrics` stays bounded whatever callers send: unknown methods and unmatched paths
//! each collapse into one label value.

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use domain::SystemClock;
use engine::Engine;
use http_body_util::BodyExt;
use protection::Policy;
use server::{app, AppState};
use tower::ServiceExt;

async fn metrics_text(router: &axum::Router) -> String {
    let res = router
        .clone()
        .oneshot(
            Request::builder()
                .uri("/metrics")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_methods_and_paths_do_not_grow_the_metric_series() {
    let (store, _guard) = store::testing::stores().await.unwrap().remove(0);
    let router = app(AppState::new(
        Engine::new(store, Policy::default()),
        Arc::new(SystemClock),
    ));
    for i in 0..200 {
        let method = format!("X{}{}", "LONGMETHODNAME".repeat(20), i);
        let path = format!("/no/such/path/{i}/{}", "p".repeat(100));
        for (m, p) in [
            (method.as_str(), "/healthz"),
            ("GET", path.as_str()),
            (method.as_str(), path.as_str()),
        ] {
            router
                .clone()
                .oneshot(
                    Request::builder()
                        .method(m)
                        .uri(p)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
        }
    }
    let text = metrics_text(&router).await;
    let series: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("marketguard_http_requests_total{"))
        .collect();
    assert!(
        series.len() <= 6,
        "{} request series after 600 odd requests:\n{}",
        series.len(),
        series.join("\n")
    );
    assert!(
        !text.contains("LONGMETHODNAME"),
        "a caller's method became a label"
    );
    assert!(
        !text.contains("/no/such/path"),
        "a caller's path became a label"
    );
    assert!(
        text.contains("method=\"other\""),
        "unknown methods are counted as other:\n{}",
        series.join("\n")
    );
}
