/**
 * Optimisers over the flat parameter vector of {@link org.lactspark.kernel.params.ParamLayout}:
 * one implementation that tests, benchmarks, the Spark driver and every backend share, so a
 * benchmark measures the same step as training. JDK only.
 */
package org.lactspark.kernel.optim;
