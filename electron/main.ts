/**
 * The Electron main process: one window on the bundled renderer (served from dist/renderer by the
 * privileged app:// protocol), the Api answered by the analysis worker, menus (Open…, Open Recent,
 * Export, Quit), file dialogs and command-line files. The window is locked down: context
 * isolation, no Node in the page, sandboxed renderer, strict CSP, no navigation, no new windows,
 * no permissions.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, type MenuItemConstructorOptions } from "electron";
import path from "node:path";
import type { ExportKind } from "../core/api";
import { createWorkerApi, type WorkerApi } from "../core/node/worker-client";
import { createAppProtocolHandler, filesFromArgv } from "./app-protocol";
import { APP_ORIGIN, registerIpcHandlers } from "./ipc";
import { EVENT_CHANNEL } from "./preload-api";

const DIST = __dirname; // dist/electron-main.cjs lives next to dist/renderer and dist/worker.mjs
const RENDERER = path.join(DIST, "renderer");

protocol.registerSchemesAsPrivileged([{ scheme: "app", privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let win: BrowserWindow | undefined;
let api: WorkerApi;

function send(channel: "session-opened" | "menu", value: string) {
  win?.webContents.send(EVENT_CHANNEL, { channel, value });
}

async function openFiles(paths: string[]) {
  if (!paths.length) return;
  api.allowPaths(paths);
  try {
    const info = await api.openPaths(paths);
    app.addRecentDocument(paths[0]);
    send("session-opened", info.id);
    void buildMenu();
  } catch (e) {
    dialog.showErrorBox("Cannot open", (e as Error).message);
  }
}

async function chooseFiles() {
  if (!win) return;
  const r = await dialog.showOpenDialog(win, {
    title: "Open captures and logs",
    properties: ["openFile", "multiSelections"],
    filters: [
      { name: "Captures and logs", extensions: ["pcap", "pcapng", "cap", "log", "txt", "sipdump"] },
      { name: "All files", extensions: ["*"] },
    ],
  });
  if (!r.canceled) await openFiles(r.filePaths);
}

async function buildMenu() {
  const recent = await api.recentFiles().catch(() => []);
  const exportItem = (label: string, kind: ExportKind | "ladder-png"): MenuItemConstructorOptions => ({ label, click: () => send("menu", `export:${kind}`) });
  const template: MenuItemConstructorOptions[] = [
    {
      label: "File",
      submenu: [
        { label: "Open…", accelerator: "CmdOrCtrl+O", click: () => void chooseFiles() },
        {
          label: "Open Recent",
          submenu: recent.length ? recent.slice(0, 10).map((r) => ({ label: r.path, click: () => void openFiles([r.path]) })) : [{ label: "No recent files", enabled: false }],
        },
        { type: "separator" },
        {
          label: "Export",
          submenu: [
            exportItem("Call list as CSV", "calls-csv"),
            exportItem("Findings as JSON", "findings-json"),
            exportItem("Selected calls as pcap", "calls-pcap"),
            { type: "separator" },
            exportItem("Ladder as SVG", "ladder-svg"),
            exportItem("Ladder as PNG", "ladder-png"),
            exportItem("Ladder as Mermaid", "ladder-mermaid"),
          ],
        },
        { type: "separator" },
        { role: "quit", label: "Quit" },
      ],
    },
    { label: "Edit", submenu: [{ role: "copy" }, { role: "selectAll" }] },
    { label: "View", submenu: [{ role: "reload" }, { role: "toggleDevTools" }, { type: "separator" }, { role: "resetZoom" }, { role: "zoomIn" }, { role: "zoomOut" }, { role: "togglefullscreen" }] },
    { label: "Help", submenu: [{ label: "About SIPScope", click: () => void dialog.showMessageBox({ message: "SIPScope", detail: "SIP trace analyzer and debugger." }) }] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function createWindow() {
  win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: "SIPScope",
    backgroundColor: "#0f1318",
    webPreferences: {
      preload: path.join(DIST, "electron-preload.cjs"),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  // No pop-ups and no external links: nothing in the app needs them, and captured text must not
  // be able to open anything.
  win.webContents.setWindowOpenHandler(() => ({ action: "deny" }));
  win.webContents.on("will-attach-webview", (e) => e.preventDefault());
  win.webContents.on("will-navigate", (e, url) => {
    if (!url.startsWith(APP_ORIGIN + "/")) e.preventDefault();
  });
  win.on("closed", () => (win = undefined));
  void win.loadURL(`${APP_ORIGIN}/index.html`);
}

if (!app.requestSingleInstanceLock()) app.quit();
else {
  app.on("second-instance", (_e, argv) => {
    win?.focus();
    void openFiles(filesFromArgv(argv));
  });
  app.whenReady().then(async () => {
    session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
    protocol.handle("app", createAppProtocolHandler(RENDERER));
    const initial = filesFromArgv(process.argv);
    api = createWorkerApi({ workerPath: path.join(DIST, "worker.mjs"), allowedPaths: initial });
    registerIpcHandlers(ipcMain, api);
    await buildMenu();
    createWindow();
    // Files from the command line open once the page can receive the event.
    win!.webContents.once("did-finish-load", () => void openFiles(initial));
  });
  app.on("window-all-closed", () => {
    void api?.close();
    app.quit();
  });
}
