//! Reloads that renumber or remove agents while tasks carry their work: the
//! engine's run-time state must follow each agent to its new index (CAD-03's
//! "saved by" included), never point at whoever took the old index.

use std::sync::Arc;

use switchboard_core::ids::*;
use switchboard_core::input::{AgentAction, Input, PhoneEvent, Target};
use switchboard_core::{Engine, EngineOptions, Refusal, SimTime, Tenant};

const CENTER: &str = include_str!("../../scenarios/configs/center.toml");

/// Center, with the experts team (a3, a4) also serving the support queue.
fn center() -> String {
    CENTER.replace(
        "[queues.support]\nteams = [\"tier1\"]",
        "[queues.support]\nteams = [\"tier1\", \"experts\"]",
    )
}

struct Run {
    e: Engine,
    now: u64,
}

impl Run {
    fn new(config: &str) -> Run {
        let tenant = Tenant::from_toml(config).expect("valid configuration");
        Run {
            e: Engine::new(Arc::new(tenant), EngineOptions::default()),
            now: 0,
        }
    }

    fn input(&mut self, input: Input) -> Result<(), Refusal> {
        self.now += 1_000_000;
        let r = self.e.handle(SimTime(self.now), input);
        self.e.audit().expect("invariants hold");
        r
    }

    fn agent(&self, id: &str) -> AgentIdx {
        self.e.tenant().agent_by_id(id).expect("configured agent")
    }

    fn act(&mut self, id: &str, action: AgentAction) {
        let agent = self.agent(id);
        let what = format!("{id}: {action:?}");
        self.input(Input::Agent { agent, action })
            .unwrap_or_else(|r| panic!("{what} was refused: {r}"));
    }

    fn answer(&mut self, id: &str) {
        let agent = self.agent(id);
        self.input(Input::Phone {
            agent,
            event: PhoneEvent::Answered,
        })
        .unwrap_or_else(|r| panic!("{id}'s phone could not answer: {r}"));
    }

    fn save(&mut self, id: &str, version: u32) -> Result<(), Refusal> {
        let agent = self.agent(id);
        let var = self.e.variable_by_name(TASK, "case").expect("case");
        self.input(Input::Agent {
            agent,
            action: AgentAction::SaveVariable {
                task: TASK,
                var,
                value: format!("by {id}"),
                version,
            },
        })
    }

    fn reload(&mut self, config: &str) {
        self.input(Input::Reconfigure {
            config: config.to_string(),
        })
        .unwrap_or_else(|r| panic!("the reload was refused: {r}"));
    }
}

const TASK: TaskId = TaskId(1);

/// a4 takes the call and saves "case", then hands the call to a1 and leaves.
fn a4_saves_then_hands_over(config: &str) -> Run {
    let mut r = Run::new(config);
    r.act("a4", AgentAction::Login);
    r.input(Input::CallArrived {
        call: CallId(1),
        from: "+15550001".into(),
        to: "+18005550100".into(),
    })
    .expect("the call arrives");
    r.answer("a4");
    r.save("a4", 0).expect("a4's save");
    r.act("a1", AgentAction::Login);
    let a1 = r.agent("a1");
    r.act(
        "a4",
        AgentAction::Transfer {
            task: TASK,
            target: Some(Target::Agent(a1)),
        },
    );
    r.answer("a1");
    r.act(
        "a4",
        AgentAction::WrapUp {
            task: TASK,
            reason: WrapUpReasonIdx(0),
            idle: None,
        },
    );
    r.act("a4", AgentAction::Logout);
    assert_eq!(r.e.task_view(TASK).map(|t| t.agent), Some(Some(a1)));
    r
}

fn stale_save_winner(r: &mut Run) -> String {
    match r.save("a1", 0) {
        Err(Refusal::StaleValue { winner, .. }) => winner,
        other => panic!("a1's stale save should be refused, got {other:?}"),
    }
}

#[test]
fn a_conflict_after_agents_are_renumbered_names_the_agent_who_saved() {
    let mut r = a4_saves_then_hands_over(&center());
    assert_eq!(stale_save_winner(&mut r), "Dee Fourth");
    // A new agent whose id sorts first: everyone moves up one index.
    let more = format!(
        "{}\n[agents.a0]\nname = \"Al Zero\"\ndn = \"1000\"\nteam = \"tier1\"\nprofile = \"voice\"\n",
        center()
    );
    r.reload(&more);
    assert_eq!(r.agent("a4"), AgentIdx(4));
    assert_eq!(stale_save_winner(&mut r), "Dee Fourth");
}

#[test]
fn a_conflict_after_the_saver_left_the_configuration_is_refused_cleanly() {
    let mut r = a4_saves_then_hands_over(&center());
    let start = center().find("[agents.a4]").expect("a4");
    let end = start + center()[start..].find("[queues.").expect("queues");
    let without_a4 = format!("{}{}", &center()[..start], &center()[end..])
        .replace("agents = [\"a1\", \"a4\"]", "agents = [\"a1\"]");
    r.reload(&without_a4);
    assert_eq!(stale_save_winner(&mut r), "an agent who has since left");
    // A fresh save from the current version still works, and names a1 next time.
    let (_, version) =
        r.e.variable(TASK, r.e.variable_by_name(TASK, "case").unwrap())
            .unwrap();
    r.save("a1", version)
        .expect("a save of the current version");
    assert_eq!(stale_save_winner(&mut r), "Ann First");
}
