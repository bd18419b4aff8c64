"""Collection points, box collections and bank deposits."""
