// Preloaded into every Node process of a sandbox that has an egress proxy
// (NODE_OPTIONS=--require /opt/wharf/node/egress.cjs, set by the control plane).
//
// Node 18's global fetch (its built-in undici) ignores http_proxy / https_proxy / no_proxy, and a
// sandbox has no DNS resolver, so without this every fetch() fails with EAI_AGAIN. The built-in
// fetch takes its dispatcher from the global slot Symbol.for('undici.globalDispatcher.1'), the one
// undici's setGlobalDispatcher writes; this file puts an undici 6 EnvHttpProxyAgent there, so
// fetch hands every host name to the proxy (CONNECT, also for plain http) and never resolves it.
// http.request-based clients (npm among them) read the proxy variables on their own and are not
// touched. Without a proxy variable this file does nothing.
//
// undici is loaded on the first request, not here: requiring it costs about 140 ms, which every
// node command would pay, most of them never calling fetch.
'use strict';

const env = process.env;
if (env.https_proxy || env.HTTPS_PROXY || env.http_proxy || env.HTTP_PROXY) {
  const slot = Symbol.for('undici.globalDispatcher.1');
  let agent = null;

  const load = () => {
    if (agent === null) {
      const { EnvHttpProxyAgent } = require('./node_modules/undici');
      // undici marks EnvHttpProxyAgent experimental and says so on stderr when one is made; that
      // one warning (and only it) is dropped, or every program that fetches would print it.
      const emitWarning = process.emitWarning;
      process.emitWarning = function (warning, options, ...rest) {
        if (options && typeof options === 'object' && options.code === 'UNDICI-EHPA') {
          return;
        }
        return emitWarning.call(process, warning, options, ...rest);
      };
      try {
        agent = new EnvHttpProxyAgent();
      } finally {
        process.emitWarning = emitWarning;
      }
    }
    return agent;
  };

  // undici reports a refused CONNECT as an abort ("Proxy response (403) !== 200 when HTTP
  // Tunneling"), which Node 18's fetch turns into a bare "Request was cancelled."; passed on as a
  // plain error it becomes fetch's cause instead, saying what the proxy answered.
  const explained = (error, origin) => {
    const refused = error && /^Proxy response \((\d+)\) !== 200/.exec(error.message || '');
    if (!refused) {
      return error;
    }
    const status = Number(refused[1]);
    const target = String(origin || '').replace(/^[a-z]+:\/\//, '');
    const reason = status === 403
      ? `the sandbox's egress proxy refused ${target} with 403: this environment's network policy does not allow it`
      : `the sandbox's egress proxy could not connect to ${target}: it answered ${status}`;
    const plain = new Error(reason);
    plain.code = status === 403 ? 'WHARF_EGRESS_DENIED' : 'WHARF_EGRESS_PROXY_ERROR';
    plain.statusCode = status;
    return plain;
  };

  const handlerFor = (handler, origin) => new Proxy(handler, {
    get(target, property) {
      if (property === 'onError') {
        return (error) => target.onError(explained(error, origin));
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });

  // Stands in for the agent until the first request; whatever else asks the global dispatcher for
  // something gets the real agent's answer.
  const lazy = new Proxy({}, {
    get(_, property) {
      if (property === 'dispatch') {
        return (options, handler) => load().dispatch(options, handlerFor(handler, options && options.origin));
      }
      const real = load();
      const value = Reflect.get(real, property, real);
      return typeof value === 'function' ? value.bind(real) : value;
    },
  });

  if (globalThis[slot] === undefined) {
    Object.defineProperty(globalThis, slot, { value: lazy, writable: true, enumerable: false, configurable: false });
  }
}
