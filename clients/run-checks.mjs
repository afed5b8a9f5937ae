// Acceptance checks against a running server, with real client libraries.
//   GRAPHQL_URL=http://127.0.0.1:8000/graphql TOKEN=<server's access token> node run-checks.mjs
// 1. Relay runtime (default getDataID) refetches an Order through `node(id:)` with the
//    query relay-compiler generated from the @refetchable fragment (src/queries.js).
// 2. Apollo Client InMemoryCache, configured with ../possibleTypes.json and nothing else:
//    after an `order` query and an `orderUpdates` message (graphql-ws), the cached Order
//    shows the new version and the new line; `... on Error` is read from a result union.
// 3. urql with Graphcache, configured with the same possibleTypes.json: `... on Error`
//    matched deterministically on a mutation's result union.
import { readFileSync } from "node:fs";
import { ApolloClient, HttpLink, InMemoryCache, gql, split } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition } from "@apollo/client/utilities";
import { Client as UrqlClient, fetchExchange, gql as urqlGql } from "@urql/core";
import { cacheExchange as graphcache } from "@urql/exchange-graphcache";
import { createClient } from "graphql-ws";
import relay from "relay-runtime";
import WebSocket from "ws";
import OrderRefetchQuery from "./src/__generated__/OrderRefetchQuery.graphql.js";

const { Environment, Network, RecordSource, Store, fetchQuery } = relay;

const url = process.env.GRAPHQL_URL;
const token = process.env.TOKEN;
if (!url || !token) throw new Error("set GRAPHQL_URL and TOKEN");
const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
const results = {};

function check(name, condition, detail) {
  results[name] = Boolean(condition);
  if (!condition) throw new Error(`${name} failed: ${JSON.stringify(detail)}`);
}

async function post(query, variables = {}) {
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const placed = await post(`mutation {
  placeOrder(input: {lines: [{name: "Tea", price: "2.00", category: "Drinks"}]}) {
    ... on OrderPayload { order { id } } ... on Error { code message } } }`);
const orderId = placed.placeOrder.order.id;

// --- 1. Relay runtime ------------------------------------------------------------------
const environment = new Environment({
  network: Network.create(async (operation, variables) => {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({ query: operation.text, variables }),
    });
    return response.json();
  }),
  store: new Store(new RecordSource()),
});
const refetched = await fetchQuery(environment, OrderRefetchQuery, { id: orderId }).toPromise();
const record = environment.getStore().getSource().get(orderId);
check("relay: node(id:) refetch of an Order", refetched.node?.__id === orderId, refetched.node?.__id);
check("relay: Order normalized by its global id (default getDataID)",
  record && record.__typename === "Order" && record.version === 1, record);

// --- 2. Apollo Client + graphql-ws -----------------------------------------------------
const possibleTypes = JSON.parse(readFileSync(new URL("../possibleTypes.json", import.meta.url)));
const wsClient = createClient({
  url: url.replace(/^http/, "ws"),
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
});
const client = new ApolloClient({
  cache: new InMemoryCache({ possibleTypes }),
  link: split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === "OperationDefinition" && definition.operation === "subscription";
    },
    new GraphQLWsLink(wsClient),
    new HttpLink({ uri: url, headers: { authorization: `Bearer ${token}` } }),
  ),
});

const ORDER_FIELDS = gql`
  fragment OrderFields on Order { id version status lines { id name quantity } }
`;
const ORDER = gql`
  ${ORDER_FIELDS}
  query Order($id: ID!) { order(id: $id) { ...OrderFields } }
`;
const UPDATES = gql`
  ${ORDER_FIELDS}
  subscription Updates($id: ID) { orderUpdates(orderId: $id) { kind orders { ...OrderFields } } }
`;
await client.query({ query: ORDER, variables: { id: orderId } });

const messages = [];
const changed = new Promise((resolve, reject) => {
  const subscription = client.subscribe({ query: UPDATES, variables: { id: orderId } }).subscribe({
    next: (result) => {
      messages.push(result.data.orderUpdates.kind);
      if (result.data.orderUpdates.kind === "SNAPSHOT") {
        post(
          `mutation($id: ID!) { updateOrder(orderId: $id, input: {
             addLines: [{name: "Cake", price: "4.00", category: "Desserts"}]}) { __typename } }`,
          { id: orderId },
        ).catch(reject);
      } else {
        subscription.unsubscribe();
        resolve();
      }
    },
    error: reject,
  });
  setTimeout(() => reject(new Error(`no CHANGES message (got ${messages})`)), 10000);
});
await changed;
const cached = client.readQuery({ query: ORDER, variables: { id: orderId } });
check("apollo: the cached Order shows the version from orderUpdates",
  cached.order.version === 2, cached);
check("apollo: the cached Order shows the line added live",
  cached.order.lines.map((line) => line.name).join(",") === "Tea,Cake", cached);

const failed = await client.mutate({
  mutation: gql`mutation($id: ID!) { updateOrder(orderId: $id, input: {
      addLines: [{name: "X", price: "1.00", category: "Mains", quantity: 0}]}) {
      __typename ... on Error { code message } ... on ValidationError { field } } }`,
  variables: { id: orderId },
});
const error = failed.data.updateOrder;
check("apollo: ... on Error read from a result union with possibleTypes",
  error.__typename === "ValidationError" && error.code === "VALIDATION_ERROR"
    && error.field === "addLines.0.quantity" && typeof error.message === "string", error);

await wsClient.dispose();

// --- 3. urql + Graphcache ----------------------------------------------------------------
const warnings = [];
const urql = new UrqlClient({
  url,
  fetchOptions: { headers: { authorization: `Bearer ${token}` } },
  exchanges: [graphcache({ possibleTypes, logger: (level, message) => warnings.push(message) }), fetchExchange],
});
const urqlResult = await urql
  .mutation(
    urqlGql`mutation($id: ID!) { updateOrder(orderId: $id, input: {
      changeLines: [{lineId: "bm90LWFuLWlk", quantity: 2}]}) {
      __typename ... on Error { code message } ... on ValidationError { field } } }`,
    { id: orderId },
  )
  .toPromise();
const urqlError = urqlResult.data?.updateOrder;
check("urql graphcache: ... on Error read from a result union with possibleTypes",
  urqlError?.__typename === "ValidationError" && urqlError.code === "VALIDATION_ERROR"
    && urqlError.field === "changeLines.0.lineId" && warnings.length === 0,
  { urqlResult, warnings });
console.log(JSON.stringify({ ok: true, checks: results }, null, 2));
