import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { createApi } from "./api-client";
import "./styles.css";

const { api, mode } = createApi();
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App api={api} mode={mode} />
  </StrictMode>,
);
