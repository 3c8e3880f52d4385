"""M/M/c+M in ciw, for scripts/bench-plan.sh (the same model as switchboard plan).

Poisson arrivals, exponential handle time, c servers, FIFO, exponential patience
(reneging). Calls that arrive in the horizon are counted; the simulation runs on
an hour past it so that every one of them has its outcome (the figures are those
of the calls that arrived before the horizon).

Usage: python ciw_model.py [--seed 1] [--days 30] [--rate 1000] [--aht 240]
       [--patience 120] [--agents 72] [--threshold 20]
Prints one line of key=value pairs.
"""

import argparse

import ciw


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--days", type=float, default=30)
    p.add_argument("--rate", type=float, default=1000, help="calls per hour")
    p.add_argument("--aht", type=float, default=240, help="mean handle time, s")
    p.add_argument("--patience", type=float, default=120, help="mean patience, s")
    p.add_argument("--agents", type=int, default=72)
    p.add_argument("--threshold", type=float, default=20, help="service-level threshold, s")
    a = p.parse_args()

    horizon = a.days * 86400.0
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=a.rate / 3600.0)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / a.aht)],
        number_of_servers=[a.agents],
        reneging_time_distributions=[ciw.dists.Exponential(rate=1.0 / a.patience)],
    )
    ciw.seed(a.seed)
    sim = ciw.Simulation(network)
    # An hour past the horizon: P(a call still unresolved) ~ e^-15 per call.
    sim.simulate_until_max_time(horizon + 3600.0)

    offered = answered = abandoned = within = 0
    wait_sum = 0.0
    for r in sim.get_all_records(only=["service", "renege"]):
        if r.arrival_date >= horizon:
            continue
        offered += 1
        if r.record_type == "service":
            answered += 1
            wait_sum += r.waiting_time
            if r.waiting_time <= a.threshold:
                within += 1
        else:
            abandoned += 1
    print(
        f"tool=ciw offered={offered} answered={answered} abandoned={abandoned} "
        f"sl={within / offered:.6f} asa={wait_sum / max(answered, 1):.4f} "
        f"abandonment={abandoned / offered:.6f}"
    )


if __name__ == "__main__":
    main()
