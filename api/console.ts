/**
 * The web console (web/, built by Vite into web/dist) served by the API itself, so production needs no
 * second server. Mounted after every API route: a path the API knows is never shadowed. The console's
 * router uses the URL hash (/#/inbox), so its own paths never reach the server and cannot collide with
 * the API's (/inbox, /procedures/…); the fallback below only catches a browser opening an unknown path.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';

export const CONSOLE_DIR = path.join(__dirname, '..', 'web', 'dist');

export function serveConsole(app: Express, dir = CONSOLE_DIR): void {
  const index = path.join(dir, 'index.html');
  app.use(
    express.static(dir, {
      index: 'index.html',
      setHeaders(res, file) {
        // Vite names the assets by their content hash, so they never change; index.html names the current ones.
        if (file.startsWith(path.join(dir, 'assets') + path.sep)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        else res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );
  // SPA fallback: a page a browser asks for (HTML preferred over JSON, no file extension) gets the console;
  // an API client (Accept: application/json or */*) still gets the JSON 404 that follows.
  app.get(/.*/, (req, res, next) => {
    if (path.extname(req.path) || req.accepts(['json', 'html']) !== 'html' || !fs.existsSync(index)) {
      next();
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}
