/**
 * @byok/proxy: the OpenAI-compatible chat proxy. `buildProxy` for a process of its own,
 * `proxyPlugin` + `startProxyServices` to mount the routes in another Fastify instance.
 */
export { buildProxy, type BuildProxyOptions } from './build-proxy.js';
export { proxyPlugin, type ProxyPluginOptions } from './proxy.plugin.js';
export { createProxyServices, startProxyServices, type ProxyServices, type ProxyServicesOptions } from './services/proxy-services.js';
export type { ProxyDependencies } from './services/proxy-dependencies.js';
export { servingProxy } from './services/serving-proxy.js';
export { CHAT_COMPLETIONS_PATHS } from './routes/chat.routes.js';
export { MODELS_PATHS } from './routes/models.routes.js';
export { SHIPPED_PRICE_TABLE, loadPriceTable, type PriceTable, type TokenPrice } from './pricing/price-table.js';
