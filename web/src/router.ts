/**
 * The console's pages. Hash history (/#/inbox): no console path reaches the server, so none can collide
 * with an API path (/inbox, /procedures/…). A page other than 登录 needs a session; without one, or when
 * the API says the session has expired, the user goes to 登录 and comes back to the page afterwards.
 */
import { createRouter, createWebHashHistory } from 'vue-router';
import { session, whenUnauthorized } from './api';

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/inbox' },
    { path: '/login', component: () => import('./views/LoginView.vue'), meta: { public: true, title: '登录' } },
    { path: '/inbox', component: () => import('./views/InboxView.vue'), meta: { title: '我的待办' } },
    { path: '/tasks/:taskId', component: () => import('./views/TaskView.vue'), props: true, meta: { title: '办理' } },
    { path: '/start', component: () => import('./views/StartView.vue'), meta: { title: '发起' } },
    { path: '/start/:type', component: () => import('./views/StartView.vue'), props: true, meta: { title: '发起' } },
    { path: '/procedures/:workflowId', component: () => import('./views/ProcedureView.vue'), props: true, meta: { title: '流程详情' } },
    { path: '/board', component: () => import('./views/BoardView.vue'), meta: { title: '督查看板' } },
    { path: '/people', component: () => import('./views/PeopleView.vue'), meta: { title: '干部信息' } },
    { path: '/directory', component: () => import('./views/DirectoryView.vue'), meta: { title: '单位与用户' } },
    { path: '/calendar', component: () => import('./views/CalendarView.vue'), meta: { title: '工作日历' } },
    { path: '/:rest(.*)*', redirect: '/inbox' },
  ],
});

router.beforeEach((to) => {
  if (!to.meta.public && !session.current) return { path: '/login', query: { redirect: to.fullPath } };
  return true;
});

router.afterEach((to) => {
  document.title = `${(to.meta.title as string | undefined) ?? ''} · 挺进`;
});

whenUnauthorized(() => {
  const here = router.currentRoute.value;
  if (here.path !== '/login') void router.replace({ path: '/login', query: { redirect: here.fullPath, expired: '1' } });
});
