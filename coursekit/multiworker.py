"""MultiWorkerMirroredStrategy for real: a cluster of worker processes on 127.0.0.1.

``python -m coursekit.multiworker OUT.json`` trains a tiny CNN for a few steps, once in
float32 and once in float64, and writes its per-epoch losses and the change training
made to each weight to OUT.
With ``TF_CONFIG`` set the process is one worker of a cluster; without it, the same code
trains on one device (TensorFlow's default strategy). :func:`run` starts the processes.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EPOCHS, STEPS, BATCH = 2, 4, 32  # epochs x steps of one global batch (all workers together)


def free_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports of 127.0.0.1 that the system gave out as free (bound to
    port 0, then released for a worker to bind: a small window in which another program
    could take one, after which the cluster fails to start, and :func:`run` times out)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def run(workers: int, timeout: float = 120.0) -> list[dict]:
    """Train in ``workers`` processes forming one cluster (``workers=0``: a single process
    with no cluster, on one device); returns what each process wrote, worker 0 first:
    ``{"replicas": int, "float32"|"float64": {"loss": [EPOCHS floats], "update": [...]}}``,
    ``update`` holding, as nested lists, each weight's final minus its initial value.
    Every process is killed when one fails or ``timeout`` seconds pass (then RuntimeError)."""
    ports = free_ports(workers)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    with tempfile.TemporaryDirectory() as tmp:
        tmp, procs = Path(tmp), []
        try:
            for index in range(max(workers, 1)):
                env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
                env.pop("TF_CONFIG", None)
                if workers:
                    task = {"type": "worker", "index": index}
                    env["TF_CONFIG"] = json.dumps({"cluster": cluster, "task": task})
                out = str(tmp / f"{index}.json")
                command = [sys.executable, "-m", "coursekit.multiworker", out]
                with open(tmp / f"{index}.log", "w") as log:
                    procs.append(subprocess.Popen(command, env=env, stdout=log,
                                                  stderr=subprocess.STDOUT))
            deadline = time.monotonic() + timeout
            while any(p.poll() is None for p in procs):
                failed = any(p.returncode not in (None, 0) for p in procs)
                if failed or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                p.wait()
        if any(p.returncode != 0 for p in procs):
            logs = "\n".join(f"--- worker {i} (exit {p.returncode}):\n"
                             + (tmp / f"{i}.log").read_text()[-1500:] for i, p in enumerate(procs))
            raise RuntimeError(f"the cluster failed or ran past {timeout:.0f} s\n{logs}")
        return [json.loads((tmp / f"{i}.json").read_text()) for i in range(len(procs))]


def train(strategy, dtype: str) -> dict:
    """Seeded tiny CNN, built and compiled in ``strategy.scope()``, fitted on 8x8 images
    (a bright row: class 0, a bright column: class 1) for EPOCHS x STEPS steps of SGD;
    returns its mean training loss per epoch and the change training made to each weight."""
    import keras
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    y = np.arange(STEPS * BATCH) % 2
    x = rng.normal(0, 0.3, size=(len(y), 8, 8, 1))
    x[y == 0, 3, :, 0] += 2
    x[y == 1, :, 3, 0] += 2
    options = tf.data.Options()  # each worker takes its half of every global batch
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    data = tf.data.Dataset.from_tensor_slices((x.astype(dtype), y)).batch(BATCH)
    data = data.with_options(options)
    keras.config.set_dtype_policy(dtype)
    keras.utils.set_random_seed(1)
    with strategy.scope():
        model = keras.Sequential([
            keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2, activation="softmax")])
        optimizer = keras.optimizers.SGD(0.1)
    start = [w.numpy() for w in model.weights]
    # Keras 3's fit does not run under MultiWorkerMirroredStrategy (keras-team/keras#20585),
    # so the step is written out: each replica's loss is its share of the global mean.
    per_image = keras.losses.SparseCategoricalCrossentropy(reduction=None, dtype=dtype)

    @tf.function
    def step(x, y):
        def replica_step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(per_image(y, model(x, training=True))) / BATCH
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss
        return strategy.reduce("SUM", strategy.run(replica_step, (x, y)), axis=None)

    losses = []
    for _ in range(EPOCHS):
        epoch = [float(step(x, y)) for x, y in strategy.experimental_distribute_dataset(data)]
        losses.append(sum(epoch) / len(epoch))
    update = [(w.numpy() - w0).tolist() for w, w0 in zip(model.weights, start)]
    return {"loss": losses, "update": update}


def main(out: str) -> None:
    import tensorflow as tf

    # Before any other TensorFlow call: the strategy reads TF_CONFIG and starts its server.
    if "TF_CONFIG" in os.environ:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    else:
        strategy = tf.distribute.get_strategy()
    result = {"replicas": strategy.num_replicas_in_sync}
    for dtype in ("float32", "float64"):
        result[dtype] = train(strategy, dtype)
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
