package org.lactspark.kernel.cuda;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class or method that needs a working CUDA backend: tagged {@code gpu}, and skipped
 * with the backend's reason where it cannot run ({@link CudaConditions.Available}).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("gpu")
@ExtendWith(CudaConditions.Available.class)
@interface RequiresCuda {}
