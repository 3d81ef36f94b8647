/**
 * The official LaCT model format (Hugging Face: {@code config.json} plus safetensors) in and out
 * of the project's model: {@link org.lactspark.model.official.OfficialCheckpoint} moves the weights
 * under their official state_dict names, checking names and shapes before anything is written.
 * The {@code config.json} mapping (every {@code LaCTSWIGLUConfig} field honoured, ignored or
 * checked) is {@link org.lactspark.conf.official.OfficialConfig} in conf, which needs no ND4J.
 */
package org.lactspark.model.official;
