import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app";
import { NotifyProvider } from "./components/notify";
import "./styles.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <NotifyProvider>
      <App />
    </NotifyProvider>
  </StrictMode>,
);
