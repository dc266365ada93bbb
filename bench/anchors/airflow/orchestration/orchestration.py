"""Orchestration overhead in Airflow: no-op tasks, 200 in parallel and a chain
of 50, each as EmptyOperator (which the scheduler marks done without running)
and as a @task that returns at once (which goes through the executor).
"""
import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, task

START = pendulum.datetime(2025, 3, 15, tz="UTC")


@task
def noop():
    return None


def make(dag_id, shape, size, kind):
    with DAG(dag_id=dag_id, schedule=None, start_date=START, catchup=False,
             max_active_runs=1, tags=["bench"]) as dag:
        tasks = []
        for i in range(size):
            if kind == "empty":
                tasks.append(EmptyOperator(task_id=f"t{i:03d}"))
            else:
                tasks.append(noop.override(task_id=f"t{i:03d}")())
        if shape == "chain":
            for upstream, downstream in zip(tasks, tasks[1:]):
                upstream >> downstream
    return dag


for _kind in ("empty", "python"):
    make(f"bench_fanout_200_{_kind}", "fanout", 200, _kind)
    make(f"bench_chain_50_{_kind}", "chain", 50, _kind)
