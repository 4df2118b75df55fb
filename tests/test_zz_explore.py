import random, time
import pytest
from conftest import Env
from stats_world import new_unit, random_persons
from test_disclosure_history import attack

@pytest.mark.parametrize("seed", [2])
def test_explore(env: Env, seed: int) -> None:
    u = new_unit(env, "4601")
    u.add(random_persons(random.Random(seed), 20 + 5 * seed, attend=0.7))
    seen = []
    for per in ("2024-Q1", "2024-Q2", "2024-Q3", "2024", "2024-Q4"):
        t0 = time.time()
        r = u.publish(per, f"{per}.json")
        print(per, r.exit_code, round(time.time() - t0, 2), r.output[-200:])
        if r.exit_code == 0:
            seen.append(u.seen(f"{per}.json"))
    print(attack(seen))
