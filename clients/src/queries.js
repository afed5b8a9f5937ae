// Relay documents: relay-compiler must accept them against ../schema.graphql.
import { graphql } from "relay-runtime";

export const orderFragment = graphql`
  fragment queries_order on Order @refetchable(queryName: "OrderRefetchQuery") {
    id
    databaseId
    version
    status
    total { amount }
    lines { id name quantity lineTotal { amount } }
    tickets { id station status lines { id name isVoid } }
  }
`;

export const orderQuery = graphql`
  query queriesOrderQuery($id: ID!) {
    order(id: $id) { ...queries_order }
  }
`;
