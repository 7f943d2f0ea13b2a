import { ApiClient } from '../shared/api/client.js';

/** The draw page is public: no credential at all. */
export const publicApi = new ApiClient();
