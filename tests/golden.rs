//! Every scenario replayed, its expectations checked, and its trace compared
//! with the snapshot in golden/. Under CI a missing or changed snapshot fails;
//! locally, accept reviewed changes with `INSTA_UPDATE=always cargo test --test golden`
//! and read `git diff golden/`.

use switchboard_tests::{is_scenario, root};

#[test]
fn scenario() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("golden"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::glob!("../scenarios", "**/*.toml", |path| {
            if !is_scenario(path) {
                return;
            }
            let result = switchboard_sim::replay_file(path).unwrap_or_else(|e| panic!("{e}"));
            assert!(result.passed(), "{}", result.failures.join("\n"));
            insta::assert_snapshot!(result.golden());
        });
    });
}
