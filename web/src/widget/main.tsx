import { render } from 'preact';
import '../shared/styles/base.css';

render(<main class="page"><h1>My rewards</h1></main>, document.getElementById('app')!);
