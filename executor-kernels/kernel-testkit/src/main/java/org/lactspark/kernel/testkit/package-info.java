/**
 * The conformance suite every kernel backend extends ({@link
 * org.lactspark.kernel.testkit.AbstractLactKernelConformanceTest}), with its helpers: the fixture
 * locator, finite differences and tensor assertions. Main-scope code on purpose, so that backend
 * modules (including the native GPU backend on a host without ND4J) reuse it from their tests.
 * Depends on {@code kernel-api} and JUnit 5 only.
 */
package org.lactspark.kernel.testkit;
