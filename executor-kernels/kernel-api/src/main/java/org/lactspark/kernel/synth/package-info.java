/**
 * Seeded synthetic inputs for the LaCT op, shaped and scaled like a real layer's, for benchmarks and
 * tests. JDK only.
 */
package org.lactspark.kernel.synth;
