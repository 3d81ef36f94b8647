/**
 * Conformance of the whole LaCT layer and the whole language model against the official
 * implementation's golden vectors ({@code fixtures/lact-layer}, {@code fixtures/lact-model}); the
 * official configuration fields are read by {@link org.lactspark.conf.official.OfficialConfig}.
 */
package org.lactspark.model.golden;
