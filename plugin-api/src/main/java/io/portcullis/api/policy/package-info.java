/**
 * The request pipeline. A route's policies run in the order the configuration lists them, each one
 * {@link io.portcullis.api.policy.Policy#apply applying} to the {@link io.portcullis.api.policy.Exchange}: it looks at
 * the request, either answers by itself or calls {@link io.portcullis.api.policy.Chain#proceed} exactly once, and then
 * looks at the {@link io.portcullis.api.policy.Reply}. The last link of the chain is the model router, which calls a
 * provider.
 */
package io.portcullis.api.policy;
