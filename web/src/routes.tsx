import { createBrowserRouter } from "react-router";
import { Layout, RouteError } from "./components/Layout";
import { CatalogPage } from "./pages/CatalogPage";

// The catalog is in the first load; every other page is its own chunk, fetched on first visit.
export const router = createBrowserRouter([
  {
    element: <Layout />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <CatalogPage /> },
      { path: "signin", lazy: async () => ({ Component: (await import("./pages/SignInPage")).SignInPage }) },
      { path: "scripts/:scriptId", lazy: async () => ({ Component: (await import("./pages/ScriptPage")).ScriptPage }) },
      { path: "actors/:actorId", lazy: async () => ({ Component: (await import("./pages/ActorPage")).ActorPage }) },
      { path: "lines/:tokenId", lazy: async () => ({ Component: (await import("./pages/LinePage")).LinePage }) },
      { path: "results/:jobId", lazy: async () => ({ Component: (await import("./pages/ResultPage")).ResultPage }) },
      { path: "me", lazy: async () => ({ Component: (await import("./pages/MyPage")).MyPage }) },
      { path: "*", element: <RouteError notFound /> },
    ],
  },
]);
