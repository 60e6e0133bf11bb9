declare global {
  namespace App {
    interface Platform {
      env: { PUBLIC_API_URL?: string };
    }
  }
}
export {};
