# workerd config for test/runtimes.test.mjs: the worker, the workerd bundle and
# its wasm as modules. The socket address is given on the command line
# (--socket-addr http=127.0.0.1:PORT).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .tallyWorker)],
  sockets = [(name = "http", http = (), service = "main")],
);

const tallyWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "workload.js", esModule = embed "../workload.js"),
    (name = "wasm-tally.js", esModule = embed "../../../dist/bundles/workerd.js"),
    (name = "tally.wasm", wasm = embed "../../../dist/bundles/tally.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);
