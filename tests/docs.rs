//! The documentation keeps up with the code: every key the scenario loader
//! accepts (read from serde's own list of expected fields, not from a list kept
//! by hand) and every scripted action appears in docs/scenarios.md; every key of
//! the tenant configuration appears in docs/configuration.md.

use switchboard_tests::root;

/// The fields a `deny_unknown_fields` table accepts, from serde's error for an unknown one.
fn fields_of<T: serde::de::DeserializeOwned>(prefix: &str) -> Vec<String> {
    let text = format!("{prefix}definitely_not_a_key = 1\n");
    let err = match toml::from_str::<T>(&text) {
        Ok(_) => panic!("an unknown key must be refused"),
        Err(e) => e.message().to_string(),
    };
    let list = err
        .split("expected")
        .nth(1)
        .unwrap_or_else(|| panic!("no expected list in: {err}"));
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn assert_documented(doc: &str, file: &str, keys: &[String]) {
    let text = std::fs::read_to_string(root().join(file)).expect("documentation");
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !text.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "{doc}: not documented in {file}: {missing:?}"
    );
}

#[test]
fn every_scenario_construct_is_documented() {
    use switchboard_sim::scenario::*;
    let mut keys = fields_of::<ScenarioFile>("");
    keys.extend(fields_of::<AgentSpec>(""));
    keys.extend(fields_of::<CallerSpec>(""));
    keys.extend(fields_of::<StepSpec>(""));
    keys.extend(fields_of::<ExpectSpec>(""));
    assert!(keys.len() > 40, "{keys:?}");
    assert_documented("scenario keys", "docs/scenarios.md", &keys);
    let actions: Vec<String> = switchboard_sim::runner::ACTIONS
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_documented("scenario actions", "docs/scenarios.md", &actions);
}

#[test]
fn every_configuration_key_is_documented() {
    use switchboard_core::config::raw::*;
    let mut keys = fields_of::<RawConfig>("");
    keys.extend(fields_of::<RawTenant>(""));
    keys.extend(fields_of::<RawWrapUp>(""));
    keys.extend(fields_of::<RawIdle>(""));
    keys.extend(fields_of::<RawRecording>(""));
    keys.extend(fields_of::<RawCallbackPolicy>(""));
    keys.extend(fields_of::<RawOverflow>(""));
    keys.extend(fields_of::<RawCourtesy>(
        "prompt = \"p\"\nconfirm = \"c\"\n",
    ));
    keys.extend(fields_of::<RawCampaign>("mode = \"preview\"\n"));
    keys.extend(fields_of::<RawProfile>(""));
    keys.extend(fields_of::<RawTeam>(""));
    keys.extend(fields_of::<RawAgent>(""));
    keys.extend(fields_of::<RawQueue>(""));
    keys.extend(fields_of::<RawHours>(""));
    keys.extend(fields_of::<RawPrompt>(""));
    keys.extend(fields_of::<RawEntryPoint>(""));
    keys.extend(fields_of::<RawFlow>(""));
    keys.extend(fields_of::<RawVariable>(""));
    for step in [
        "business_hours",
        "play",
        "menu",
        "set",
        "queue",
        "callback",
        "disconnect",
    ] {
        keys.extend(fields_of::<RawStep>(&format!("type = \"{step}\"\n")));
        keys.push(step.to_string());
    }
    assert_documented("configuration keys", "docs/configuration.md", &keys);
}
