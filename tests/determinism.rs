//! Determinism is the product: the same scenario replayed twice gives a
//! byte-identical trace and statistics.

use switchboard_tests::scenarios;

#[test]
fn every_scenario_replays_identically() {
    let files = scenarios();
    assert!(!files.is_empty(), "no scenarios found");
    for file in files {
        let a = switchboard_sim::replay_file(&file).unwrap_or_else(|e| panic!("{e}"));
        let b = switchboard_sim::replay_file(&file).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            a.golden(),
            b.golden(),
            "{} replays differently",
            file.display()
        );
    }
}
