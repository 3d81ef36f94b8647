/**
 * Conformance of the whole LaCT layer and the whole language model against the official
 * implementation's golden vectors ({@code fixtures/lact-layer}, {@code fixtures/lact-model}), and
 * the mapping of the official configuration fields onto the project's.
 */
package org.lactspark.model.golden;
