// Starts GraphiQL (vendored React, GraphiQL and explorer plugin, loaded before this file) on
// the API this page belongs to. Requests go to the same origin with the session cookie, as
// JSON POSTs, which is what the API's CSRF check expects.
"use strict";

(function start() {
  const root = document.getElementById("graphiql");
  const endpoint = root.dataset.endpoint;
  // ?q=<document> opens GraphiQL with that document (?query= would run it: Strawberry answers
  // a GET with a query parameter as an API request).
  const params = new URLSearchParams(window.location.search);

  const fetcher = GraphiQL.createFetcher({ url: endpoint });
  const explorer = GraphiQLPluginExplorer.explorerPlugin();

  function App() {
    const [query, setQuery] = React.useState(params.get("q") || root.dataset.example);
    return React.createElement(GraphiQL, {
      fetcher,
      query,
      onEditQuery: setQuery,
      plugins: [explorer],
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    });
  }

  root.textContent = "";
  ReactDOM.createRoot(root).render(React.createElement(App));
})();
