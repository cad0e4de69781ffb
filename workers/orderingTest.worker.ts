/**
 * A small worker for the within-generation ordering test (`orderingTest`, ~36 ms per 95-question matrix with
 * 1000 permutations), so the Teach page can test all the paper's order matrices without blocking its thread.
 * Pure computation: no model, no ORT.
 */
import * as Comlink from 'comlink';
import { orderingTest, type OrderingTestResult } from '../src/lib/core/fallbacks/orderingTest';

export interface OrderingTestApi {
  /**
   * The test of one label matrix, keyed by its name (the CLI's `fallbacks order-test` uses the same key and seed
   * 0, so the p-values agree with it). The per-question list is left out of the answer.
   */
  test(name: string, rows: readonly (readonly number[])[], seed?: number): Promise<Omit<OrderingTestResult, 'questions'>>;
}

const api: OrderingTestApi = {
  async test(name, rows, seed = 0) {
    const { questions: _questions, ...rest } = orderingTest(rows, { key: name, seed });
    return rest;
  }
};

Comlink.expose(api);
