/** `@switchyard/sdk/openfeature`: the OpenFeature server provider (needs `@openfeature/server-sdk`). */
export { SwitchyardProvider, toSwitchyardContext, type SwitchyardProviderOptions } from './provider.ts';
