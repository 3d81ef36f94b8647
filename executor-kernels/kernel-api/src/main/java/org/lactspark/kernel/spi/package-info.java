/**
 * The backend service interface and its run-time lookup.
 *
 * <p>Backends register a {@link org.lactspark.kernel.spi.KernelBackend} in {@code
 * META-INF/services}; {@link org.lactspark.kernel.spi.KernelBackends} finds them with {@link
 * java.util.ServiceLoader}, picks the preferred available one, and logs one WARN with the reason
 * for every backend it had to pass over. Depends on the JDK and SLF4J only.
 */
package org.lactspark.kernel.spi;
