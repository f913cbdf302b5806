/**
 * The Electron entry: composition root for the desktop app. It creates the services once, serves the UI and
 * library files on `app://lucida/`, registers the IPC adapter and opens one hardened window.
 */
import os from 'node:os';
import path from 'node:path';
import { app, BrowserWindow, shell, utilityProcess, webContents } from 'electron';
import { createServices } from './services';
import { utilityProcessSpawner } from './services/inference';
import { createHostInference, inferenceHostEnv } from './services/enhance/hosting';
import { resolveLibraryDir } from './services/library/paths';
import { createDispatcher } from './rpc';
import { registerIpc, registerLivePorts, sendEvent } from './ipc';
import { serveLivePort } from './services/capture';
import { APP_ORIGIN, handleAppProtocol, registerSchemePrivileges } from './protocol';

registerSchemePrivileges();

const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const trustedOrigins = [APP_ORIGIN, ...(devServerUrl && !app.isPackaged ? [new URL(devServerUrl).origin] : [])];

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    title: 'Lucida',
    backgroundColor: '#15171a',
    webPreferences: {
      preload: path.join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.loadURL(devServerUrl && !app.isPackaged ? devServerUrl : `${APP_ORIGIN}/index.html`);
  return win;
}

// Nothing inside the app may navigate away or open windows; links to the web go to the user's browser.
app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!trustedOrigins.includes(new URL(url).origin)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.whenReady().then(async () => {
  const libraryDir = resolveLibraryDir({ argv: process.argv, env: process.env, platform: process.platform, homeDir: os.homedir() });
  const resourcesDir = app.isPackaged ? path.join(process.resourcesPath, 'resources') : path.join(app.getAppPath(), 'resources');
  // The inference host runs in a utility process (onnxruntime sessions off the main process and the UI).
  const inference = createHostInference({
    spawn: utilityProcessSpawner(utilityProcess.fork, path.join(__dirname, 'inferenceHost.js'), inferenceHostEnv()),
    resourcesDir,
    libraryDir,
  });
  const services = createServices({
    inference,
    libraryDir,
    resourcesDir,
    host: 'electron',
    appVersion: app.getVersion(),
    emit: (event, payload) => sendEvent(webContents.getAllWebContents(), event, payload),
  });
  handleAppProtocol({
    rendererDir: path.join(__dirname, '../renderer'),
    resolveLibraryFile: services.resolveLibraryFile,
    stageUpload: services.stageUpload,
    tileFileForRequest: services.tileFileForRequest,
  });
  registerIpc(createDispatcher(services.handlers), trustedOrigins);
  // Live frames go to each window over its own MessagePort, not through the contract (docs/adr/0006).
  registerLivePorts((port) => serveLivePort(services.capture.live, port), trustedOrigins);
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('will-quit', () => {
    void services.close();
    void inference.close();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
