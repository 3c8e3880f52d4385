"""M/M/c+M in SimPy, for scripts/bench-plan.sh (the same model as switchboard plan).

Poisson arrivals during the horizon, exponential handle time, a Resource of c
agents (FIFO), each caller racing its request against a timeout of its
exponential patience. The run goes on until every call that arrived has its
outcome.

Usage: python simpy_model.py [--seed 1] [--days 30] [--rate 1000] [--aht 240]
       [--patience 120] [--agents 72] [--threshold 20]
Prints one line of key=value pairs.
"""

import argparse
import random

import simpy


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

    rng = random.Random(a.seed)
    horizon = a.days * 86400.0
    arrival_rate = a.rate / 3600.0
    service_rate = 1.0 / a.aht
    patience_rate = 1.0 / a.patience
    stats = {"offered": 0, "answered": 0, "abandoned": 0, "within": 0, "wait": 0.0}

    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=a.agents)

    def caller():
        arrived = env.now
        with agents.request() as req:
            give_up = env.timeout(rng.expovariate(patience_rate))
            result = yield req | give_up
            if req in result:
                wait = env.now - arrived
                stats["answered"] += 1
                stats["wait"] += wait
                if wait <= a.threshold:
                    stats["within"] += 1
                yield env.timeout(rng.expovariate(service_rate))
            else:
                stats["abandoned"] += 1

    def arrivals():
        while True:
            yield env.timeout(rng.expovariate(arrival_rate))
            if env.now >= horizon:
                return
            stats["offered"] += 1
            env.process(caller())

    env.process(arrivals())
    env.run()  # until no event is left: every call has its outcome

    offered, answered = stats["offered"], stats["answered"]
    print(
        f"tool=simpy offered={offered} answered={answered} "
        f"abandoned={stats['abandoned']} sl={stats['within'] / offered:.6f} "
        f"asa={stats['wait'] / max(answered, 1):.4f} "
        f"abandonment={stats['abandoned'] / offered:.6f}"
    )


if __name__ == "__main__":
    main()
