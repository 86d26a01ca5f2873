//! `marketguard simulate --chaos`: the hostile simulator from the command line, its
//! summary and JSON, and that it leaves the database file alone on SQLite.

use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_marketguard");

fn run(args: &[&str], dir: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("MARKETGUARD_DATABASE_URL")
        .output()
        .expect("spawn marketguard");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mg-chaos-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn chaos_seeds_print_a_summary_per_seed_and_refusals_by_rule() {
    let dir = temp_dir("text");
    let (code, out, err) = run(
        &[
            "simulate",
            "--chaos",
            "--seeds",
            "2",
            "--seed-start",
            "40",
            "--steps",
            "60",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("seed 40: 60 steps, "), "{out}");
    assert!(out.contains("\nseed 41: 60 steps, "), "{out}");
    assert!(out.contains("chaos: 2 seeds, 0 failed;"), "{out}");
    assert!(out.contains("refused by rule:\n"), "{out}");
    // Each seed runs on its own in-memory database: the default file is not created.
    assert!(!dir.join("marketguard.db").exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn chaos_json_counts_every_seed() {
    let dir = temp_dir("json");
    let (code, out, err) = run(
        &[
            "simulate", "--chaos", "--seeds", "2", "--steps", "40", "--format", "json",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["failed"], 0);
    assert_eq!(v["seeds"].as_array().unwrap().len(), 2);
    assert_eq!(v["seeds"][1]["seed"], 2);
    assert!(v["seeds"][0]["checks"].as_u64().unwrap() > 40, "{v}");
    assert!(v["refused_by_rule"].as_object().is_some(), "{v}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn chaos_options_need_chaos_and_bounds() {
    let dir = temp_dir("args");
    let (code, _, err) = run(&["simulate", "--seeds", "3"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--chaos"), "{err}");
    let (code, _, err) = run(&["simulate", "--chaos", "--seeds", "0"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--seeds must be 1 to"), "{err}");
    let (code, out, _) = run(&["simulate", "--help"], &dir);
    assert_eq!(code, 0);
    for flag in ["--chaos", "--seeds", "--seed-start", "--workers", "--steps"] {
        assert!(out.contains(flag), "{flag} missing from:\n{out}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
