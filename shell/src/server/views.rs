//! Read-only views of the engine for the API: an agent with its tasks, the
//! queues with their waiting tasks in order, and the whole state at once
//! (agents, queues, live counters) with the log length it reflects, which is
//! what the crash test compares with a clean replay of the log.

use serde_json::{Value, json};
use switchboard_core::Engine;
use switchboard_core::ids::{AgentIdx, QueueIdx};

/// One agent: id, name, state, presence and its tasks with their views.
pub fn agent(e: &Engine, a: AgentIdx) -> Value {
    let t = e.tenant();
    let tasks: Vec<Value> = e
        .agent_work(a)
        .into_iter()
        .map(|(task, channel, phase)| {
            json!({"task": task.0, "channel": channel, "phase": phase, "view": e.task_view(task)})
        })
        .collect();
    json!({
        "id": t.agent(a).id,
        "name": t.agent(a).name,
        "state": e.agent_state(a),
        "presence": e.agent_presence(a),
        "tasks": tasks,
    })
}

/// Every queue: its waiting tasks in order with their positions, and its counters.
pub fn queues(e: &Engine) -> Value {
    let tally = e.tally();
    Value::Array(
        e.tenant()
            .queues
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let waiting: Vec<Value> = e
                    .queue_tasks(QueueIdx(i as u32))
                    .into_iter()
                    .map(|task| {
                        let v = e.task_view(task);
                        json!({
                            "task": task.0,
                            "position": v.as_ref().and_then(|v| v.position),
                            "channel": v.as_ref().map(|v| v.channel),
                        })
                    })
                    .collect();
                json!({"name": q.name, "waiting": waiting, "counters": tally.queues.get(&q.name)})
            })
            .collect(),
    )
}

/// Everything: agents, queues, live tasks and counters, at `log_entries`.
pub fn state(e: &Engine, log_entries: u64) -> Value {
    json!({
        "log_entries": log_entries,
        "now": e.now().0,
        "live_tasks": e.live_tasks(),
        "agents": (0..e.tenant().agents.len()).map(|i| agent(e, AgentIdx(i as u32))).collect::<Vec<_>>(),
        "queues": queues(e),
        "counters": e.tally(),
    })
}
