/** `@switchyard/sdk/openfeature`: the OpenFeature server provider (needs `@openfeature/server-sdk`). */
export { SwitchyardProvider, type SwitchyardProviderOptions, toSwitchyardContext } from './provider.ts';
