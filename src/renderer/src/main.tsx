import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initBridge } from './bridge';
import { App } from './shell/App';
import './styles.css';

initBridge();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
