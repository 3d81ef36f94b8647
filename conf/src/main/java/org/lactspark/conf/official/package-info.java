/**
 * The official LaCT configuration ({@code LaCTSWIGLUConfig}'s {@code config.json}, and the
 * official layer's constructor arguments in the layer fixtures) to and from {@link
 * org.lactspark.conf.ModelConfig}: {@link org.lactspark.conf.official.OfficialConfig} lists every
 * official field as honoured, ignored or checked. Here rather than beside the weights' import and
 * export ({@code org.lactspark.model.official} in lact-model) so that a host without ND4J (the GPU
 * host) can read an official model's config. Depends on jackson-databind and SLF4J.
 */
package org.lactspark.conf.official;
