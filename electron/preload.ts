/** The sandboxed preload: exposes the typed Api (and menu events) to the page, nothing else. */
import { contextBridge, ipcRenderer } from "electron";
import { exposePreload } from "./preload-api";

exposePreload(contextBridge, ipcRenderer);
