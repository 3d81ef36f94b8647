/**
 * The model's building blocks as plain ND4J computations, each with a hand-written backward pass
 * and no DL4J types: normalisation, linear maps, rotary embeddings, sliding-window attention, the
 * SwiGLU MLP, the LaCT layer's TTT branch, and the shifted cross-entropy. Activations are
 * {@code [batch, length, width]} in C order. The DL4J layers in {@code org.lactspark.model.layer}
 * are thin adapters over these classes.
 */
package org.lactspark.model.nn;
