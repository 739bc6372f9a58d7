import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The gateway serves dist/ at / (services/gateway/src/yousync_gateway/console.py); `npm run dev`
// proxies the API to a local `make run` gateway.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 400 },
  server: {
    proxy: { "/api": { target: "http://127.0.0.1:8080", changeOrigin: false } },
  },
  test: { environment: "jsdom", include: ["src/**/*.test.{ts,tsx}"] },
});
