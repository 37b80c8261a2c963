# workerd config for test/runtimes.test.mjs: the worker, the workerd bundle and
# its wasm as modules. The socket address is given on the command line
# (--socket-addr http=127.0.0.1:PORT).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .tallyWorker)],
  sockets = [(name = "http", http = (), service = "main")],
);

const tallyWorker :Workerd.Worker = (
  # Named by their paths in the repository where imports climb out of their
  # folder (workload.js imports ../../scripts/lib/counts.mjs); worker.js and
  # the bundle sit beside workload.js under the names they import each other by.
  modules = [
    (name = "test/runtimes/worker.js", esModule = embed "worker.js"),
    (name = "test/runtimes/workload.js", esModule = embed "../workload.js"),
    (name = "scripts/lib/counts.mjs", esModule = embed "../../../scripts/lib/counts.mjs"),
    (name = "test/runtimes/wasm-tally.js", esModule = embed "../../../dist/bundles/workerd.js"),
    (name = "test/runtimes/tally.wasm", wasm = embed "../../../dist/bundles/tally.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);
