/**
 * Golden vectors of the official LaCT implementation: the {@code .npy} reader, the case reader
 * (format: {@code fixtures/lact-op/README.md}) and the conformance runner that the {@code
 * conformance} command and every backend's conformance suite share, so tests and the command take
 * one code path. JDK and Jackson only.
 */
package org.lactspark.kernel.golden;
