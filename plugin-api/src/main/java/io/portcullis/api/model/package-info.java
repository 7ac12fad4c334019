/**
 * The canonical model: the records every policy and provider works with, whatever wire format the client or the
 * upstream speaks.
 *
 * <p>The shape follows OpenAI's chat completions schema, the lingua franca of LLM APIs, with snake_case JSON names.
 * Every record keeps the JSON fields it does not model in an {@code extra} map, and writes them back out unchanged,
 * so clients can use provider features the gateway does not know yet. Records are immutable; use their
 * {@code with...} methods to derive changed copies.
 */
package io.portcullis.api.model;
